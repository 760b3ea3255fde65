// The fuzz tier at scale, and hostile input timed (issue 9): `npm run bench -- fuzz`.
//  1. the fuzz properties of test/http/fuzz (the same files CI runs with a few
//     hundred cases) with GANGPLANK_FUZZ_RUNS cases each (default 10,000),
//     in a child vitest, with their seeds;
//  2. the time to parse (or refuse) the largest inputs a pod author can send:
//     quantities of growing length, and a 3 MiB AdmissionReview (the API
//     server's limit) whose annotations are one huge quantity.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/index.js';
import { sparkMiB } from '../src/contract/spark-conf.js';
import { toSchedulerUnits } from '../src/k8s/quantity.js';
import type { AdmissionRequest } from '../src/k8s/wire.js';
import { silentLogger } from '../src/log.js';
import { reviewRequest } from '../src/webhook/review.js';
import { createTemplateSource } from '../src/webhook/templates.js';
import { podReview } from '../test/support/admission.js';
import { makePod } from '../test/support/pod.js';
import { replaceSection, RESULTS, ROOT } from './results.js';

const SECTION = '## Fuzz and hostile input';

function timeMs(fn: () => void, rounds = 5): number {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

export async function fuzzBenchmark(): Promise<void> {
  const runs = Number(process.env.GANGPLANK_FUZZ_RUNS ?? 10_000);
  const seed = Number(process.env.GANGPLANK_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const t0 = performance.now();
  const child = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'unit', 'test/http/fuzz'], {
    cwd: ROOT,
    env: { ...process.env, GANGPLANK_FUZZ_RUNS: String(runs), GANGPLANK_FUZZ_SEED: String(seed) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  const out = `${child.stdout}${child.stderr}`;
  // eslint-disable-next-line no-control-regex
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const properties = [...plain.matchAll(/\[fuzz\] ([^:]+): seed (\d+), (\d+) cases/g)].map((m) => ({ name: m[1] as string, cases: Number(m[3]) }));
  const passed = child.status === 0;
  console.log(plain.split('\n').filter((l) => /\[fuzz\]|Tests|passed|failed/.test(l)).join('\n'));

  // Largest inputs.
  const rows: string[] = [];
  // The longest quantity accepted (64 characters, a fraction rounding up to one millicore), then longer ones.
  for (const n of [64, 1_000, 160_000, 1_000_000]) {
    const q = `0.${'0'.repeat(n - 3)}1`;
    let outcome = '';
    const ms = timeMs(() => {
      try {
        outcome = `parsed: ${toSchedulerUnits('cpu', q)} millicore`;
      } catch (err) {
        outcome = `refused: ${(err as Error).message.slice(0, 60)}`;
      }
    });
    rows.push(`| quantity of ${n.toLocaleString('en')} characters | ${ms.toFixed(3)} ms | ${outcome} |`);
  }
  // spark.executor.memory surrounded by a megabyte of whitespace (issue 9: quadratic before).
  const padded = `${' '.repeat(500_000)}4g${' '.repeat(500_000)}`;
  let mib = '';
  const memMs = timeMs(() => {
    try {
      mib = `parsed: ${sparkMiB('spark.executor.memory', padded)} MiB`;
    } catch (err) {
      mib = `refused: ${(err as Error).message.slice(0, 60)}`;
    }
  });
  rows.push(`| spark.executor.memory of ${padded.length.toLocaleString('en')} characters (whitespace around 4g) | ${memMs.toFixed(3)} ms | ${mib} |`);
  const config = loadConfig(join(ROOT, 'test/fixtures/config/issue-3.yaml'));
  const huge = '9'.repeat(3 * 1024 * 1024 - 4096);
  const pod = makePod('hostile-driver').ns('spark').sparkApp('spark-pi', 'spark-0123456789abcdef0123456789abcdef').role('driver')
    .annotation('gangplank.io/executor-resources', `{"cpu":"${huge}x"}`).requests({ cpu: '1', memory: '1408Mi' }).asAdmitted().obj();
  const review = podReview(pod);
  const bytes = Buffer.byteLength(JSON.stringify(review));
  let answer = '';
  const reviewMs = timeMs(() => {
    const res = reviewRequest(review.request as AdmissionRequest, () => ({ config, templates: createTemplateSource(undefined) }), 'allow', silentLogger());
    answer = `${res.outcome}, ${res.patchOps} patch operations, ${res.response.warnings?.length ?? 0} warnings`;
  }, 3);
  rows.push(`| AdmissionReview of ${(bytes / 2 ** 20).toFixed(2)} MiB (one ${huge.length.toLocaleString('en')}-digit quantity in executor-resources) | ${reviewMs.toFixed(1)} ms | ${answer} |`);

  const text = [
    SECTION,
    '',
    `Command: \`npm run bench -- fuzz\` (GANGPLANK_FUZZ_RUNS=${runs}). Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node.js ${process.version}.`,
    '',
    `Fuzz properties of \`test/http/fuzz\` (CI runs them with 150 cases each), seed ${seed}: ${passed ? 'all passed' : 'FAILED'} in ${seconds.toFixed(1)} s.`,
    '',
    '| property | cases |',
    '|---|---|',
    ...properties.map((p) => `| ${p.name} | ${p.cases.toLocaleString('en')} |`),
    '',
    'Largest inputs (best of several rounds, in-process):',
    '',
    '| input | time | outcome |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  replaceSection(SECTION, text);
  console.log(`written: ${RESULTS} (${SECTION})`);
  if (!passed) process.exitCode = 1;
}
