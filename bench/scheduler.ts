// kube-scheduler throughput on 500 fake nodes with and without the
// extender, in one run of the real control plane (issue 4).
//
// One local cluster (etcd, kube-apiserver, Gangplank installed from the chart),
// 500 nodes created through the API. Three schedulers take turns, only one
// running at a time:
//   - baseline: the chart's scheduler configuration with the extender
//     removed (same percentageOfNodesToScore: 100, same client defaults);
//   - gangplank: the shipped configuration, calling Gangplank's filter,
//     prioritize and bind over HTTP (Gangplank binds through the API);
//   - stock default-scheduler (adaptive percentageOfNodesToScore), for reference.
// Each run creates PODS plain pods for one scheduler while it is stopped,
// then starts it, so its queue is full from the first cycle; throughput is
// (PODS − 1) / (last bind − first bind), from the microsecond timestamps of
// the scheduler's own "Successfully bound pod to node" log lines (-v=2), so
// neither our polling nor the scheduler's start-up is in the figure. The pods
// are force-deleted between runs, and the order alternates (A B B A) to show
// drift and noise.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { DEFAULT_SCHEDULER_CONFIG, repoRoot, startLocalCluster, type LocalCluster } from '../dev/cluster/local.js';
import { helmPath, kcpPath } from '../dev/cluster/tools.js';
import { createNodes, parseNodeSpecs } from '../dev/cluster/nodes.js';
import type { ManagedProcess } from '../dev/cluster/process.js';
import { writeResultsPart } from './extender.js';

const NODES = 500;
const PODS = 1_000;
const CREATE_CONCURRENCY = 16;

interface SchedulerUnderTest {
  readonly label: string;
  readonly schedulerName: string;
  readonly processName: string;
  readonly config: Record<string, unknown>;
}

interface Run {
  readonly label: string;
  readonly pods: number;
  readonly podsPerSecond: number;
  readonly spanSeconds: number;
  readonly createSeconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** klog header `I1121 11:01:02.123456` → seconds since midnight (runs never span midnight in practice). */
function klogSeconds(line: string): number | undefined {
  const m = /^[IWEF]\d{4} (\d\d):(\d\d):(\d\d\.\d+)/.exec(line);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

function boundTimes(logFile: string, namespace: string): number[] {
  const out: number[] = [];
  const needle = `pod="${namespace}/`;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('Successfully bound pod to node') || !line.includes(needle)) continue;
    const t = klogSeconds(line);
    if (t !== undefined) out.push(t);
  }
  return out;
}

function plainPod(namespace: string, name: string, schedulerName: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'bench' } },
    spec: {
      schedulerName,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
    },
  };
}

async function runOnce(cluster: LocalCluster, s: SchedulerUnderTest, n: number): Promise<Run> {
  const client = cluster.plane.client;
  const ns = `bench-${s.schedulerName}-${n}`;
  await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
  const tc = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < PODS) {
        const i = next++;
        await client.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: plainPod(ns, `p-${i}`, s.schedulerName) });
      }
    }),
  );
  const createSeconds = (Date.now() - tc) / 1000;
  const proc: ManagedProcess = await cluster.plane.startScheduler(s.config, s.processName);
  const deadline = Date.now() + 300_000;
  let times: number[] = [];
  while (Date.now() < deadline) {
    times = boundTimes(proc.logFile, ns);
    if (times.length >= PODS) break;
    await sleep(250);
  }
  await cluster.plane.stopScheduler(s.processName);
  const list = await client.request<{ items: V1Pod[] }>({ path: `/api/v1/namespaces/${ns}/pods` });
  const bound = list.items.filter((p) => p.spec?.nodeName).length;
  if (bound < PODS || times.length < PODS) throw new Error(`${s.label}: ${bound} of ${PODS} pods bound (${times.length} bind lines in ${proc.logFile})`);
  const span = Math.max(...times) - Math.min(...times);
  await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods`, body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 } });
  for (let i = 0; i < 120; i++) {
    const left = await client.request<{ items: unknown[] }>({ path: `/api/v1/namespaces/${ns}/pods?limit=1` });
    if (left.items.length === 0) break;
    await sleep(250);
  }
  // Let Gangplank's informer take the deletions in before the next run.
  await sleep(2_000);
  const run = { label: s.label, pods: PODS, podsPerSecond: (PODS - 1) / span, spanSeconds: span, createSeconds };
  console.log(`${run.label}: ${run.podsPerSecond.toFixed(1)} pods/s (${PODS} pods bound in ${span.toFixed(2)} s; created in ${createSeconds.toFixed(1)} s)`);
  return run;
}

export async function schedulerBenchmark(): Promise<void> {
  const root = repoRoot();
  const kcp = kcpPath(root);
  const dir = mkdtempSync(join(tmpdir(), 'gangplank-bench-'));
  const t0 = Date.now();
  const cluster = await startLocalCluster({
    kcp,
    helm: helmPath(root),
    dir,
    // Fake nodes have no kubelet: nothing refreshes the node cache, so the stale-cache rule (120 s by default) would fail every call closed mid-run.
    gangplankConfig: { schedulerName: 'gangplank-scheduler', schedulerNameAliases: ['kubenexus-scheduler'], extender: { cacheStaleSeconds: 3600 } },
    gangplankLogLevel: 'info',
    log: (m) => console.log(`  ${m}`),
  });
  try {
    // Only the scheduler under test runs.
    await cluster.plane.stopScheduler('default-scheduler');
    await cluster.stopGangplankScheduler();
    // The chart's scheduler configuration, run under the admin scheduler identity without leader election.
    const shipped = cluster.schedulerConfig;
    const { extenders: _drop, ...withoutExtender } = shipped;
    const baseline: SchedulerUnderTest = {
      label: 'without extender (shipped config, extender removed)',
      schedulerName: 'baseline-scheduler',
      processName: 'baseline-scheduler',
      config: { ...withoutExtender, profiles: [{ schedulerName: 'baseline-scheduler' }] },
    };
    const gangplank: SchedulerUnderTest = { label: 'with the Gangplank extender (shipped config)', schedulerName: 'gangplank-scheduler', processName: 'gangplank-scheduler', config: shipped };
    const stock: SchedulerUnderTest = { label: 'stock default-scheduler (reference)', schedulerName: 'default-scheduler', processName: 'default-scheduler', config: DEFAULT_SCHEDULER_CONFIG };

    const tn = Date.now();
    await createNodes(cluster.plane.client, parseNodeSpecs(`${NODES}x cpu=32,memory=128Gi`, 'bench'));
    console.log(`  ${NODES} nodes created in ${((Date.now() - tn) / 1000).toFixed(1)} s`);
    await sleep(2_000);

    const runs: Run[] = [];
    let n = 0;
    for (const s of [baseline, gangplank, gangplank, baseline, stock]) runs.push(await runOnce(cluster, s, n++));
    const metrics = (await cluster.ops('/metrics')).body;

    const mean = (label: string): number => {
      const xs = runs.filter((r) => r.label === label).map((r) => r.podsPerSecond);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const ratio = mean(gangplank.label) / mean(baseline.label);
    const serverMs = (v: string): string => {
      const sum = metricSum(metrics, 'gangplank_extender_request_duration_seconds_sum', { verb: v });
      const count = metricSum(metrics, 'gangplank_extender_request_duration_seconds_count', { verb: v });
      return count > 0 ? `${((sum / count) * 1000).toFixed(2)} ms over ${count} calls` : 'no calls';
    };
    const lines = [
      '### kube-scheduler throughput with and without the extender',
      '',
      `- command: \`npm run bench -- scheduler\` (whole run, cluster start included: ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      `- ${NODES} fake nodes {cpu 32, memory 128Gi, pods 110}; ${PODS} plain pods {cpu 100m, memory 128Mi} per run, created while the scheduler under test is stopped, then the scheduler started`,
      '- throughput = (pods − 1) / (last bind − first bind), from the scheduler\'s own "Successfully bound pod to node" log timestamps',
      '- everything (etcd, kube-apiserver, the scheduler, Gangplank, this benchmark) shares the same machine (see the latency part above)',
      '',
      row(['run', 'scheduler', 'pods/s', 'bind span s', 'pods created in s']),
      row(['---:', '---', '---:', '---:', '---:']),
      ...runs.map((r, i) => row([i + 1, r.label, r.podsPerSecond.toFixed(1), r.spanSeconds.toFixed(2), r.createSeconds.toFixed(1)])),
      '',
      `**Ratio with / without the extender: ${ratio.toFixed(2)}** (mean of runs 2–3 over mean of runs 1 and 4; goal ≥ 0.8).`,
      '',
      `Gangplank's own time per call in these runs (server side, gangplank_extender_request_duration_seconds): filter ${serverMs('filter')}; prioritize ${serverMs('prioritize')}; bind ${serverMs('bind')}.`,
    ];
    const text = lines.join('\n');
    console.log(text);
    writeResultsPart('throughput', text);
  } finally {
    await cluster.stop();
  }
}

const row = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;

/** Sum of one metric's samples whose labels include `labels`, from Prometheus text. */
function metricSum(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
