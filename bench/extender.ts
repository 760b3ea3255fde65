// Issue 4's extender benchmark (docs/architecture.md, "Tests": benchmarks
// are separate from tests).
//
// `extender`: a cluster of 5,000 nodes (200 of them GPU nodes with a
// two-zone NUMA annotation) and 50,000 cached pods (mostly bound, 30 Spark
// gangs placed through the real filter/bind path, 10 of them still holding
// executor reservations, finished pods), then
//   - filter and prioritize latency in-process (the verbs' handle, called
//     directly) for a mix of pods: no gang, an executor with a reservation,
//     the driver of a small gang (a fresh one each call), a single-numa GPU pod;
//   - the same over HTTP: the real buildExtenderApp on port 0, requests from a
//     child process (bench/extender-client.ts);
//   - planning time for a driver with 100 executors;
//   - the floor: JSON.parse / JSON.stringify of bodies that size.
// `scheduler`: kube-scheduler throughput on 500 fake nodes with and without
// the extender, in one run of the real control plane.
//
// Each writes its part of the "Extender" section of bench/RESULTS.md.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, existsSync, writeFileSync, createWriteStream } from 'node:fs';
import type { RequestListener } from 'node:http';
import { cpus, freemem, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExtenderApp } from '../src/extender/app.js';
import { verb } from '../src/extender/verb.js';
import { bind } from '../src/extender/verbs/bind.js';
import { createFilterVerb } from '../src/extender/verbs/filter.js';
import { createPrioritizeVerb } from '../src/extender/verbs/prioritize.js';
import { listen } from '../src/http/serve.js';
import { createLogger } from '../src/log.js';
import type { ExtenderArgs, ExtenderFilterResult } from '../src/k8s/wire.js';
import { makeNode } from '../test/support/node.js';
import { makePod } from '../test/support/pod.js';
import { makeState, type TestState } from '../test/support/extender.js';
import type { ClientJob, ClientResult } from './extender-client.js';
import { nearestRank } from './quantile.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** Repository root from dist/bench (compiled) or bench (sources). */
const ROOT = resolve(HERE, existsSync(join(HERE, '..', 'package.json')) ? '..' : '../..');
const RESULTS = join(ROOT, 'bench', 'RESULTS.md');

/** The cluster in the cache: 5,000 nodes and 50,000 pods (the goals), and 15,000 and 150,000 (scale). */
interface Scale {
  readonly cpuNodes: number;
  readonly gpuNodes: number;
  readonly pods: number;
}
const GOAL_SCALE: Scale = { cpuNodes: 4_800, gpuNodes: 200, pods: 50_000 };
const LARGE_SCALE: Scale = { cpuNodes: 14_400, gpuNodes: 600, pods: 150_000 };
const GANGS = 30;
const GANG_EXECUTORS = 10;
/** Gangs whose executors have not all arrived: they still hold reservations. */
const OPEN_GANGS = 10;

const WARMUP = 100;
const ITERATIONS = 1_000;
const HTTP_ITERATIONS = 500;
const PLAN_REPEATS = 50;

// ---- statistics and output ----

interface Stats {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => nearestRank(s, q) ?? NaN;
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN, mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
}

const ms = (x: number): string => (x >= 10 ? x.toFixed(1) : x.toFixed(3));
const row = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;

/** Machine and command lines for the results file. */
function machine(command: string): string {
  let free = '';
  try {
    free = execFileSync('free', ['-h'], { encoding: 'utf8' }).trim();
  } catch {
    free = `total ${(totalmem() / 2 ** 30).toFixed(1)} GiB, free ${(freemem() / 2 ** 30).toFixed(1)} GiB`;
  }
  let nproc = String(cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // os.cpus() then
  }
  return [
    `- command: \`${command}\``,
    `- date: ${new Date().toISOString()}`,
    `- node ${process.version}, \`nproc\` = ${nproc} (${cpus()[0]?.model ?? 'unknown cpu'})`,
    '- `free -h`:',
    '',
    '```',
    free,
    '```',
  ].join('\n');
}

/**
 * Replace the text between `<!-- extender:part -->` and `<!-- /extender:part -->`
 * in bench/RESULTS.md (creating the file, the "## Extender" section or the part
 * as needed). Text outside the markers (notes, before/after tables) is kept.
 */
export function writeResultsPart(part: string, body: string): void {
  const open = `<!-- extender:${part} -->`;
  const close = `<!-- /extender:${part} -->`;
  const block = `${open}\n${body.trim()}\n${close}`;
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a >= 0 && b > a) {
    text = text.slice(0, a) + block + text.slice(b + close.length);
  } else if (text.includes('\n## Extender\n')) {
    // Append at the end of the Extender section (before the next "## ").
    const start = text.indexOf('\n## Extender\n') + '\n## Extender\n'.length;
    const next = text.indexOf('\n## ', start);
    const at = next < 0 ? text.length : next;
    text = `${text.slice(0, at).trimEnd()}\n\n${block}\n${text.slice(at)}`;
  } else {
    text = `${text.trimEnd()}\n\n## Extender\n\n${block}\n`;
  }
  writeFileSync(RESULTS, text.endsWith('\n') ? text : `${text}\n`);
}

// ---- the cluster in the cache ----

const pad = (i: number, w: number): string => String(i).padStart(w, '0');
const PLAIN_SHAPES = [
  { cpu: '500m', memory: '1Gi' },
  { cpu: '1', memory: '4Gi' },
  { cpu: '2', memory: '8Gi' },
  { cpu: '4', memory: '16Gi' },
];
const NUMA_ANNOTATIONS = { 'numa.scheduling.kubenexus.io/policy': 'single-numa', 'numa.scheduling.kubenexus.io/resources': 'cpu,memory,nvidia.com/gpu' };

function nodes(scale: Scale): { all: V1Node[]; cpuNames: string[]; gpuNames: string[] } {
  const all: V1Node[] = [];
  const cpuNames: string[] = [];
  const gpuNames: string[] = [];
  for (let i = 0; i < scale.cpuNodes; i++) {
    const name = `node-${pad(i, 4)}`;
    cpuNames.push(name);
    all.push(makeNode(name).cpu('64').memory('256Gi').pods(110).label('topology.kubernetes.io/zone', `zone-${i % 3}`).obj());
  }
  for (let i = 0; i < scale.gpuNodes; i++) {
    const name = `gpu-${pad(i, 3)}`;
    gpuNames.push(name);
    all.push(
      makeNode(name)
        .cpu('64')
        .memory('512Gi')
        .gpu(8)
        .pods(110)
        .label('accelerator', 'nvidia')
        .numaZones([0, 1].map((z) => ({ name: `node-${z}`, resources: { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '4' } })))
        .obj(),
    );
  }
  return { all, cpuNames, gpuNames };
}

const created = (i: number): string => new Date(Date.parse('2025-12-31T00:00:00Z') + i * 1000).toISOString();

function boundPods(cpuNames: readonly string[], gpuNames: readonly string[], count: number): V1Pod[] {
  const out: V1Pod[] = [];
  const perNode = 10;
  for (const [i, node] of cpuNames.entries()) {
    for (let k = 0; k < perNode; k++) {
      const n = i * perNode + k;
      out.push(makePod(`web-${pad(n, 5)}`).ns(`team-${n % 40}`).uid(`u-web-${n}`).created(created(n)).requests(PLAIN_SHAPES[n % 4] as Record<string, string>).nodeName(node).phase('Running').obj());
    }
  }
  for (const [i, node] of gpuNames.entries()) {
    for (let k = 0; k < 4; k++) {
      out.push(
        makePod(`train-${i}-${k}`)
          .ns('ml')
          .uid(`u-train-${i}-${k}`)
          .annotations({ ...NUMA_ANNOTATIONS, 'gangplank.io/numa-zone': `node-${k % 2}` })
          .requests({ cpu: '8', memory: '32Gi' })
          .gpu(1)
          .nodeName(node)
          .phase('Running')
          .obj(),
      );
    }
  }
  // Finished pods stay in the cache until garbage-collected: terminal, bound, counted nowhere.
  for (let i = 0; out.length < count; i++) {
    out.push(makePod(`job-${i}`).ns('batch').uid(`u-job-${i}`).cpu('1').nodeName(cpuNames[i % cpuNames.length] as string).phase('Succeeded').obj());
  }
  return out;
}

function driver(ns: string, app: string, uid: string, executors: number, exec: Record<string, string>): V1Pod {
  return makePod(`${app}-driver`)
    .ns(ns)
    .uid(uid)
    .created(created(100_000))
    .sparkApp(app, `spark-${app}`)
    .role('driver')
    .gang(app, executors + 1)
    .annotations({ 'gangplank.io/executor-count': String(executors), 'gangplank.io/executor-resources': JSON.stringify(exec) })
    .requests({ cpu: '1', memory: '4Gi' })
    .scheduler('gangplank-scheduler')
    .asAdmitted()
    .obj();
}

function executor(ns: string, app: string, d: V1Pod, id: number, exec: Record<string, string>): V1Pod {
  return makePod(`${app}-exec-${id}`)
    .ns(ns)
    .uid(`${d.metadata?.uid}-e${id}`)
    .created(created(100_001))
    .sparkApp(app, `spark-${app}`)
    .role('executor')
    .gang(app, 0)
    .executorOf(d.metadata?.name ?? '', d.metadata?.uid ?? '', id)
    .requests(exec)
    .scheduler('gangplank-scheduler')
    .asAdmitted()
    .obj();
}

const EXEC_SHAPE = { cpu: '2', memory: '8Gi' };

/** Filter then bind a pod through the verbs, then show it bound in the cache as the API server would. */
async function place(ts: TestState, names: readonly string[], pod: V1Pod): Promise<void> {
  const filter = createFilterVerb(ts.state);
  const r = (await filter.handle({ Pod: pod, NodeNames: [...names] }, createLogger('silent'))) as ExtenderFilterResult;
  const node = r.NodeNames?.[0];
  if (!node) throw new Error(`${pod.metadata?.name} did not fit: ${JSON.stringify(r).slice(0, 300)}`);
  await bind(ts.state, { PodName: pod.metadata?.name ?? '', PodNamespace: pod.metadata?.namespace ?? '', PodUID: pod.metadata?.uid ?? '', Node: node });
  const b = ts.binder.bindings[ts.binder.bindings.length - 1];
  ts.markBound(pod, node, b?.annotations ?? {});
}

interface Fixture {
  readonly ts: TestState;
  readonly names: string[];
  readonly gpuNames: string[];
  readonly plain: V1Pod;
  readonly executor: V1Pod;
  readonly gpu: V1Pod;
  readonly podCount: number;
  readonly reservedSlots: number;
}

export async function fixture(scale: Scale = GOAL_SCALE): Promise<Fixture> {
  const { all, cpuNames, gpuNames } = nodes(scale);
  const names = all.map((n) => n.metadata?.name ?? '');
  const gangPods = GANGS * (1 + GANG_EXECUTORS) - OPEN_GANGS * (GANG_EXECUTORS / 2);
  const pods = boundPods(cpuNames, gpuNames, scale.pods - gangPods);
  const ts = makeState({ nodes: all, pods, config: { gangTimeoutSeconds: 3600 } });
  // Gangs through the real path: filter the driver (plans and reserves), bind it,
  // then executors arrive, filtered into their slots and bound.
  let openExecutor: V1Pod | undefined;
  for (let g = 0; g < GANGS; g++) {
    const app = `etl-${g}`;
    const d = driver('spark', app, `u-drv-${g}`, GANG_EXECUTORS, EXEC_SHAPE);
    ts.addPod(d);
    await place(ts, names, d);
    const arriving = g < OPEN_GANGS ? GANG_EXECUTORS / 2 : GANG_EXECUTORS;
    for (let e = 1; e <= arriving; e++) {
      const x = executor('spark', app, d, e, EXEC_SHAPE);
      ts.addPod(x);
      await place(ts, names, x);
    }
    if (g === 0) openExecutor = executor('spark', app, d, arriving + 1, EXEC_SHAPE);
  }
  // The pods being scheduled are pending in the cache too.
  const plain = makePod('api-7f9c').ns('team-1').uid('u-pending-plain').created(created(200_000)).requests({ cpu: '1', memory: '2Gi' }).scheduler('gangplank-scheduler').asAdmitted().obj();
  const gpu = makePod('finetune-0').ns('ml').uid('u-pending-gpu').created(created(200_001)).annotations(NUMA_ANNOTATIONS).requests({ cpu: '8', memory: '64Gi' }).gpu(2).scheduler('gangplank-scheduler').asAdmitted().obj();
  const exec = openExecutor as V1Pod;
  for (const p of [plain, gpu, exec]) ts.addPod(p);
  let reservedSlots = 0;
  for (const g of ts.state.ledger.gangs()) reservedSlots += g.slots.filter((s) => !s.consumedBy).length;
  return { ts, names, gpuNames, plain, executor: exec, gpu, podCount: ts.pods.list().length, reservedSlots };
}

/** A fresh small gang's driver for call `i` (3 executors). */
function smallDriver(i: number): V1Pod {
  return driver('spark', `adhoc-${i}`, `u-adhoc-${i}`, 3, { cpu: '1', memory: '4Gi' });
}

function releaseGang(ts: TestState, key: string): void {
  ts.state.ledger.release(key, 'replanned');
  ts.state.queue.drop(key);
  ts.events.length = 0;
}

// ---- in-process ----

type Case = { readonly name: string; readonly nodes: number; readonly filter: number[]; readonly prioritize: number[] };

function inProcess(f: Fixture): Case[] {
  const { ts } = f;
  const log = createLogger('silent');
  const filter = createFilterVerb(ts.state);
  const prioritize = createPrioritizeVerb(ts.state);
  type Spec = { name: string; args: (i: number) => ExtenderArgs; after?: (i: number) => void };
  const specs: Spec[] = [
    { name: 'pod in no gang', args: () => ({ Pod: f.plain, NodeNames: f.names }) },
    { name: 'executor with a reservation', args: () => ({ Pod: f.executor, NodeNames: f.names }) },
    { name: 'driver of a 3-executor gang (plans)', args: (i) => ({ Pod: smallDriver(i), NodeNames: f.names }), after: (i) => releaseGang(ts, `spark/adhoc-${i}`) },
    { name: 'single-numa GPU pod (GPU nodes only)', args: () => ({ Pod: f.gpu, NodeNames: f.gpuNames }) },
  ];
  const cases = specs.map((c) => ({ ...c, out: { name: c.name, nodes: c.args(0).NodeNames?.length ?? 0, filter: [] as number[], prioritize: [] as number[] } }));
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    for (const c of cases) {
      const args = c.args(i);
      const t0 = performance.now();
      const r = filter.handle(args, log) as ExtenderFilterResult;
      const t1 = performance.now();
      prioritize.handle(args, log);
      const t2 = performance.now();
      if ((r.NodeNames?.length ?? 0) === 0) throw new Error(`${c.name}: no node passed: ${JSON.stringify(r).slice(0, 300)}`);
      c.after?.(i);
      if (i < WARMUP) continue;
      c.out.filter.push(t1 - t0);
      c.out.prioritize.push(t2 - t1);
    }
  }
  return cases.map((c) => c.out);
}

function planning(f: Fixture): number[] {
  const { ts } = f;
  const log = createLogger('silent');
  const filter = createFilterVerb(ts.state);
  const out: number[] = [];
  for (let i = 0; i < PLAN_REPEATS + 5; i++) {
    const d = driver('spark', `wide-${i}`, `u-wide-${i}`, 100, { cpu: '4', memory: '16Gi' });
    const args = { Pod: d, NodeNames: f.names };
    const t0 = performance.now();
    const r = filter.handle(args, log) as ExtenderFilterResult;
    const t1 = performance.now();
    if ((r.NodeNames?.length ?? 0) !== 1) throw new Error(`100-executor gang not planned: ${JSON.stringify(r).slice(0, 300)}`);
    releaseGang(ts, `spark/wide-${i}`);
    if (i >= 5) out.push(t1 - t0);
  }
  return out;
}

/** What any JSON HTTP extender pays for bodies of this size, whatever it decides. */
function floor(f: Fixture): { name: string; s: Stats }[] {
  const filterBody = JSON.stringify({ Pod: f.plain, NodeNames: f.names, Nodes: null });
  const passAll = { NodeNames: f.names, FailedNodes: {} };
  const scores = f.names.map((Host) => ({ Host, Score: 5 }));
  const time = (fn: () => unknown): Stats => {
    const xs: number[] = [];
    for (let i = 0; i < 1200; i++) {
      const t0 = performance.now();
      fn();
      if (i >= 200) xs.push(performance.now() - t0);
    }
    return stats(xs);
  };
  return [
    { name: `JSON.parse of a filter body (${(filterBody.length / 1024).toFixed(0)} KiB, 5,000 names)`, s: time(() => JSON.parse(filterBody)) },
    { name: 'JSON.stringify of a filter answer passing 5,000 nodes', s: time(() => JSON.stringify(passAll)) },
    { name: 'JSON.stringify of 5,000 host priorities', s: time(() => JSON.stringify(scores)) },
  ];
}

// ---- over HTTP ----

async function overHttp(f: Fixture): Promise<Case[]> {
  const { ts } = f;
  const state = ts.state;
  // Production logs at info; requests log nothing at that level (filter logs its verdict at debug).
  const logger = createLogger('info', createWriteStream('/dev/null'));
  const app = buildExtenderApp({ logger, metrics: state.metrics, verbs: [verb(createFilterVerb(state)), verb(createPrioritizeVerb(state))] });
  const server = await listen(app as unknown as RequestListener, { name: 'extender', host: '127.0.0.1', port: 0, logger });
  const body = (pod: V1Pod, names: readonly string[]): string => JSON.stringify({ Pod: pod, NodeNames: names, Nodes: null });
  const d = smallDriver(0);
  const template = body(d, f.names).replaceAll('adhoc-0', 'adhoc-h__I__');
  const job: ClientJob = {
    url: server.url,
    warmup: WARMUP,
    iterations: HTTP_ITERATIONS,
    cases: [
      { name: 'pod in no gang', filterBody: body(f.plain, f.names), prioritizeBody: body(f.plain, f.names) },
      { name: 'executor with a reservation', filterBody: body(f.executor, f.names), prioritizeBody: body(f.executor, f.names) },
      { name: 'driver of a 3-executor gang (plans)', filterBody: template, prioritizeBody: template, releaseKey: 'spark/adhoc-h__I__' },
      { name: 'single-numa GPU pod (GPU nodes only)', filterBody: body(f.gpu, f.gpuNames), prioritizeBody: body(f.gpu, f.gpuNames) },
    ],
  };
  const child = fork(join(HERE, 'extender-client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = await new Promise<ClientResult>((resolvePromise, reject) => {
    child.on('message', (m: { type: string; key?: string; result?: ClientResult }) => {
      if (m.type === 'release' && m.key) {
        releaseGang(ts, m.key);
        child.send({ type: 'released' });
      } else if (m.type === 'done' && m.result) {
        resolvePromise(m.result);
      }
    });
    child.on('exit', (code) => (code !== 0 ? reject(new Error(`extender-client exited with ${code}`)) : undefined));
    child.send(job);
  });
  await server.close(100);
  return job.cases.map((c) => {
    const r = result[c.name] as ClientResult[string];
    return { name: `${c.name} (${(c.filterBody.length / 1024).toFixed(0)} KiB in; ${(r.filterBytes / 1024).toFixed(1)} / ${(r.prioritizeBytes / 1024).toFixed(1)} KiB out)`, nodes: 0, filter: r.filter, prioritize: r.prioritize };
  });
}

function table(cases: readonly Case[], withNodes: boolean): string[] {
  const lines = [
    row(['call', ...(withNodes ? ['candidates'] : []), 'filter p50 ms', 'filter p99 ms', 'filter max ms', 'prioritize p50 ms', 'prioritize p99 ms', 'prioritize max ms']),
    row(['---', ...(withNodes ? ['---:'] : []), '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const c of cases) {
    const fs = stats(c.filter);
    const ps = stats(c.prioritize);
    lines.push(row([c.name, ...(withNodes ? [c.nodes.toLocaleString('en')] : []), ms(fs.p50), ms(fs.p99), ms(fs.max), ms(ps.p50), ms(ps.p99), ms(ps.max)]));
  }
  return lines;
}

export async function extenderBenchmark(): Promise<void> {
  const t0 = performance.now();
  const f = await fixture();
  const built = performance.now() - t0;
  const describe = describeFixture(f, GOAL_SCALE, built);
  console.log(describe);
  const local = inProcess(f);
  const plan = stats(planning(f));
  const http = await overHttp(f);
  const fl = floor(f);
  const lines = [
    '### Filter, prioritize and planning latency',
    '',
    machine('npm run bench -- extender'),
    '',
    describe + '.',
    '',
    `In-process: the verbs' \`handle\` called directly, ${ITERATIONS} iterations of each call after ${WARMUP} warm-up, interleaved.`,
    'The GPU pod is offered only the GPU nodes, as the in-tree NodeResourcesFit filter leaves only those.',
    '',
    ...table(local, true),
    '',
    `Planning a driver with 100 executors ({cpu 4, memory 16Gi} each) over all ${f.names.length.toLocaleString('en')} candidates (filter call, ${plan.n} repeats): p50 ${ms(plan.p50)} ms, p99 ${ms(plan.p99)} ms, max ${ms(plan.max)} ms.`,
    '',
    `Over HTTP: buildExtenderApp on 127.0.0.1 port 0 (plain node:http listener, hand-written JSON answers, pino at info), ${HTTP_ITERATIONS} sequential requests of each call after ${WARMUP} warm-up on one keep-alive connection from a child process (bench/extender-client.ts), timed there from first byte out to last byte in. Sequential, not autocannon: kube-scheduler calls its extender one pod at a time, so the latency of one call on an otherwise idle server is the figure that bounds its throughput.`,
    '',
    ...table(http, false),
    '',
    'The floor any JSON-over-HTTP extender pays for bodies this size (in-process, 1,000 runs):',
    '',
    row(['operation', 'p50 ms', 'p99 ms']),
    row(['---', '---:', '---:']),
    ...fl.map((x) => row([x.name, ms(x.s.p50), ms(x.s.p99)])),
  ];
  const text = lines.join('\n');
  console.log(text);
  writeResultsPart('latency', text);
  await scaleRun();
}

function describeFixture(f: Fixture, scale: Scale, builtMs: number): string {
  return `${f.names.length.toLocaleString('en')} nodes (${scale.gpuNodes} GPU nodes with 2 NUMA zones), ${f.podCount.toLocaleString('en')} pods cached (${GANGS} Spark gangs of 1 + ${GANG_EXECUTORS}, ${OPEN_GANGS} of them waiting for executors: ${f.reservedSlots} reserved slots); fixture built in ${(builtMs / 1000).toFixed(1)} s`;
}

/** Issue 13, item 6: the same in-process calls with three times the cluster. */
async function scaleRun(): Promise<void> {
  const t0 = performance.now();
  const f = await fixture(LARGE_SCALE);
  const built = performance.now() - t0;
  const describe = describeFixture(f, LARGE_SCALE, built);
  console.log(describe);
  const local = inProcess(f);
  const plan = stats(planning(f));
  const heap = process.memoryUsage();
  const lines = [
    '### Scale: 15,000 nodes and 150,000 pods, in-process',
    '',
    machine('npm run bench -- extender'),
    '',
    `${describe}. The same calls as above, in-process (the verbs' \`handle\`), ${ITERATIONS} iterations after ${WARMUP} warm-up; the node list of a call names every node (15,000 names; 600 for the GPU pod).`,
    '',
    ...table(local, true),
    '',
    `Planning a driver with 100 executors over all ${f.names.length.toLocaleString('en')} candidates (${plan.n} repeats): p50 ${ms(plan.p50)} ms, p99 ${ms(plan.p99)} ms, max ${ms(plan.max)} ms.`,
    '',
    `This benchmark process then held ${(heap.heapUsed / 2 ** 20).toFixed(0)} MiB of V8 heap (RSS ${(heap.rss / 2 ** 20).toFixed(0)} MiB); its caches hold the test builders' whole pods, not the stripped ones a real extender keeps (see "Extender memory").`,
  ];
  const text = lines.join('\n');
  console.log(text);
  writeResultsPart('scale', text);
}
