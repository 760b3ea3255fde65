// Gang scheduling throughput, side by side, in one run of the real control
// plane (issue 13): the stock kube-scheduler, the in-tree GangScheduling of
// the same Kubernetes version (1.35: feature gates GenericWorkload and
// GangScheduling on kube-apiserver and kube-scheduler, the
// scheduling.k8s.io/v1alpha1 Workload API through --runtime-config), and
// Gangplank (the chart's scheduler configuration with its extender).
//
// One local cluster (etcd, kube-apiserver, Gangplank installed from the chart
// and running as local processes), fake nodes created through the API. The
// schedulers take turns, one running at a time; each run:
//   - starts the scheduler under test (client limits: kube-scheduler's
//     defaults, qps 50 / burst 100 — "shipped" — or qps/burst 1000 — "raised"),
//   - creates the workload's pods while it runs (16 creates in flight), gang
//     by gang; Spark executors are created when their driver is seen bound,
//   - times each pod from its create to the moment one watch (the same for
//     every system) sees it bound; pods/s = pods / (last bound − first create),
//   - reads CPU seconds and peak RSS of every process from /proc, API calls
//     from kube-apiserver's apiserver_request_total, and Gangplank's bind
//     latency from its log,
//   - deletes the pods.
// Rounds alternate the order of the systems. A contention variant offers room
// for 100 gangs to 150 gangs created interleaved and counts complete and
// partial gangs.
//
// Environment (development only; the committed figures come from the full run):
//   GANGPLANK_BENCH_RUNS="cocreated/gangplank/raised,cocreated/intree/raised"  only these runs
//   GANGPLANK_BENCH_NO_WRITE=1                                                  do not write RESULTS.md
//   GANGPLANK_BENCH_CPU_PROF=DIR                                                Gangplank's processes run under
//                                                                               node --cpu-prof, profiles in DIR
//   GANGPLANK_BENCH_PERF=DIR                                                    perf record (cpu-clock, on-CPU samples) of the
//                                                                               scheduler and the extender for the first 6 s of each
//                                                                               run, in DIR (Gangplank runs with --perf-basic-prof)
//   GANGPLANK_BENCH_GO_PROF=DIR                                                 a Go CPU profile of the kube-scheduler under
//                                                                               test for the first 5 s of each run, in DIR
import type { V1Pod } from '@kubernetes/client-node';
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster, repoRoot, type LocalCluster } from '../dev/cluster/local.js';
import { helmPath, kcpPath } from '../dev/cluster/tools.js';
import { createNodes, deleteNodes, parseNodeSpecs } from '../dev/cluster/nodes.js';
import { freePort } from '../dev/cluster/ports.js';
import type { ManagedProcess } from '../dev/cluster/process.js';
import { PodWatch, type BoundPod } from './pod-watch.js';
import { ProcWatcher, type ProcFigures } from './procstat.js';
import { nearestRank } from './quantile.js';
import { replaceSection } from './results.js';
import { gangMember, plainPod, POOL_LABEL, SCHEDULER_NAME, sparkDriver, sparkExecutor, workload, WORKLOADS_PATH, type System } from './workloads.js';

const MAIN_NODES = 500;
const NODE_SHAPE = 'cpu=8,memory=32Gi';
const GANGS = 100;
const GANG_SIZE = 10;
const PLAIN_PODS = 1_000;
const APPS = 100;
const EXECUTORS = 9;
const CONTENTION_NODES = 125;
const CONTENTION_GANGS = 150;
const CREATE_CONCURRENCY = 16;
/**
 * Bind latency below saturation: one gang of GANG_SIZE (or as many plain pods)
 * every PACED_INTERVAL_MS, PACED_GANGS times (50 pods/s, a sixth of what the
 * stock scheduler manages here), so the figure is the bind's own cost and not
 * the queue of a machine running flat out.
 */
const PACED_GANGS = 30;
const PACED_INTERVAL_MS = 200;
const RAISED = { qps: 1000, burst: 1000 };
const RUN_TIMEOUT_MS = 240_000;
const CONTENTION_MAX_MS = 120_000;
const FEATURE_GATES = '--feature-gates=GenericWorkload=true,GangScheduling=true';
/**
 * The Kubernetes version (test/controlplane/<version>): 1.35, whose in-tree
 * gang scheduling is the scheduling.k8s.io/v1alpha1 Workload API behind the
 * GenericWorkload and GangScheduling gates (1.36 replaced that API).
 */
const KUBE = process.env.GANGPLANK_KUBE ?? '1.35';

type WorkloadKind = 'plain' | 'cocreated' | 'driverled' | 'contention' | 'paced-gangs' | 'paced-plain';
type Limits = 'shipped' | 'raised';

interface RunSpec {
  readonly workload: WorkloadKind;
  readonly system: System;
  readonly limits: Limits;
}

interface RunResult extends RunSpec {
  readonly index: number;
  readonly pods: number;
  readonly bound: number;
  readonly seconds: number;
  readonly podsPerSecond: number;
  /** Create → bound per pod, ms. */
  readonly latency: { p50: number; p99: number; max: number };
  readonly procs: Record<string, ProcFigures>;
  readonly api: ApiCounts;
  readonly gangplank?: { bindMs: Quantiles; gangBindMs: Quantiles; apiMs: Quantiles; waitMs: Quantiles; planWrites: number; calls: Record<string, number>; loopDelayP99Ms: number };
  /** kube-apiserver's own time for the run's Bindings: the upper bounds of the p50 and p99 buckets, ms. */
  readonly bindingServerMs: { p50: number; p99: number };
  readonly gangs?: { complete: number; partial: number; none: number };
}

interface Quantiles {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

interface ApiCounts {
  readonly bindings: number;
  readonly podPatches: number;
  readonly statusWrites: number;
  readonly events: number;
  readonly writes: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const GO_PROF = process.env.GANGPLANK_BENCH_GO_PROF;
const PERF = process.env.GANGPLANK_BENCH_PERF;

/** On-CPU samples of some processes for `seconds` (perf record, software clock: works without hardware counters). */
function perfRecord(pids: readonly (number | undefined)[], seconds: number, file: string): Promise<void> {
  const list = pids.filter((p): p is number => p !== undefined).join(',');
  return new Promise((resolve) => {
    const child = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', '997', '-g', '-p', list, '-o', file, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
    child.on('exit', () => resolve());
    child.on('error', (err) => {
      console.log(`  perf: ${err.message}`);
      resolve();
    });
  });
}

/**
 * A Go CPU profile of a kube-scheduler (its /debug/pprof/profile on the
 * secure port, which GO_PROF runs leave to anonymous callers) written to `file`.
 */
function schedulerProfile(proc: ManagedProcess, seconds: number, file: string): Promise<void> {
  const port = proc.args.find((a) => a.startsWith('--secure-port='))?.split('=')[1];
  return new Promise((resolve) => {
    const req = httpsGet(`https://127.0.0.1:${port}/debug/pprof/profile?seconds=${seconds}`, { rejectUnauthorized: false }, (res) => {
      if (res.statusCode !== 200) {
        console.log(`  scheduler profile: HTTP ${res.statusCode}`);
        res.resume();
        resolve();
        return;
      }
      res.pipe(createWriteStream(file)).on('finish', () => resolve());
    });
    req.on('error', (err) => {
      console.log(`  scheduler profile: ${err.message}`);
      resolve();
    });
  });
}
const mib = (b: number): string => (b / 2 ** 20).toFixed(0);

// ---- kube-apiserver and Gangplank figures ----

/** kube-apiserver's apiserver_request_duration_seconds buckets for Bindings (cumulative counts by upper bound). */
async function bindingLatencyBuckets(cluster: LocalCluster): Promise<Map<number, number>> {
  const text = await cluster.plane.client.request<string>({ path: '/metrics' });
  const out = new Map<number, number>();
  for (const line of String(text).split('\n')) {
    if (!line.startsWith('apiserver_request_duration_seconds_bucket{') || !line.includes('subresource="binding"') || !line.includes('verb="POST"')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (!le) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** The upper bound (seconds) of the bucket holding quantile `q` of the Bindings between two scrapes. */
function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return NaN;
  for (const b of bounds) if ((after.get(b) ?? 0) - (before.get(b) ?? 0) >= q * total) return b;
  return Infinity;
}

/** apiserver_request_total summed by verb/resource/subresource. */
async function apiRequests(cluster: LocalCluster): Promise<Map<string, number>> {
  const text = await cluster.plane.client.request<string>({ path: '/metrics' });
  const out = new Map<string, number>();
  for (const line of String(text).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    const get = (k: string): string => new RegExp(`(?:^|,)${k}="([^"]*)"`).exec(labels)?.[1] ?? '';
    const key = `${get('verb')} ${get('resource')}/${get('subresource')}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

function apiDelta(before: Map<string, number>, after: Map<string, number>): ApiCounts {
  const d = (key: string): number => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  let writes = 0;
  for (const [k, v] of after) if (/^(POST|PUT|PATCH|DELETE) /.test(k) && !k.startsWith('DELETE pods/')) writes += v - (before.get(k) ?? 0);
  return {
    bindings: d('POST pods/binding'),
    podPatches: d('PATCH pods/'),
    statusWrites: d('PATCH pods/status') + d('PUT pods/status'),
    events: d('POST events/') + d('PATCH events/'),
    writes,
  };
}

interface ExtenderLogLine {
  msg?: string;
  verb?: string;
  pod?: string;
  ms?: number;
  apiMs?: number;
  waitMs?: number;
  plan?: string;
}

/** Calls of each extender verb so far (gangplank_extender_request_duration_seconds_count), and its event loop's p99 delay since the last scrape. */
async function extenderCalls(cluster: LocalCluster): Promise<Record<string, number>> {
  const text = (await cluster.ops('/metrics')).body;
  const out: Record<string, number> = {};
  // prom-client resets the event-loop delay histogram at each scrape.
  out.loopDelayP99 = Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)?.[1] ?? NaN) * 1000;
  for (const m of text.matchAll(/^gangplank_extender_request_duration_seconds_count\{[^}]*verb="(\w+)"[^}]*\} (\S+)$/gm)) out[m[1] as string] = Number(m[2]);
  return out;
}

/** Gangplank's extender log from byte `offset`: its bind latencies and plan writes for one namespace. */
function extenderLog(file: string, offset: number, ns: string, gangPods: ReadonlySet<string>): Omit<NonNullable<RunResult['gangplank']>, 'calls' | 'loopDelayP99Ms'> {
  const text = readFileSync(file, 'utf8').slice(offset);
  const all: number[] = [];
  const gang: number[] = [];
  const api: number[] = [];
  const wait: number[] = [];
  let planWrites = 0;
  for (const line of text.split('\n')) {
    if (!line.includes(ns)) continue;
    let l: ExtenderLogLine;
    try {
      l = JSON.parse(line) as ExtenderLogLine;
    } catch {
      continue;
    }
    if (l.msg === 'bound' && l.pod?.startsWith(`${ns}/`) && typeof l.ms === 'number') {
      all.push(l.ms);
      if (gangPods.has(l.pod)) gang.push(l.ms);
      if (typeof l.apiMs === 'number') api.push(l.apiMs);
      if (typeof l.waitMs === 'number') wait.push(l.waitMs);
      if (l.plan) planWrites++;
    }
  }
  return { bindMs: quantiles(all), gangBindMs: quantiles(gang), apiMs: quantiles(api), waitMs: quantiles(wait), planWrites };
}

function quantiles(xs: number[]): Quantiles {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: nearestRank(s, 0.5) ?? 0, p99: nearestRank(s, 0.99) ?? 0, max: s.at(-1) ?? 0 };
}

// ---- creating pods ----

/** A pool of `n` workers draining a queue of creates; more may be queued while it runs. */
class CreatePool {
  private readonly queue: (() => Promise<void>)[] = [];
  private active = 0;
  private failure: unknown;
  constructor(private readonly n: number) {}
  push(task: () => Promise<void>): void {
    this.queue.push(task);
    this.pump();
  }
  private pump(): void {
    while (this.active < this.n && this.queue.length > 0) {
      const task = this.queue.shift() as () => Promise<void>;
      this.active++;
      task()
        .catch((err: unknown) => {
          this.failure ??= err;
        })
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }
  error(): unknown {
    return this.failure;
  }
}

// ---- one run ----

class Bench {
  private index = 0;
  private readonly created = new Map<string, number>();

  constructor(
    private readonly cluster: LocalCluster,
    private readonly watch: PodWatch,
    private readonly nullExtender?: { port: number; pid: number | undefined },
  ) {}

  private pid(name: string): number | undefined {
    return this.cluster.plane.processes.find((p) => p.name === name && p.isRunning())?.pid;
  }

  private schedulerConfig(spec: RunSpec): Record<string, unknown> {
    const stock = { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', profiles: [{ schedulerName: SCHEDULER_NAME[spec.system] }] };
    const chart = this.cluster.schedulerConfig;
    let base: Record<string, unknown>;
    switch (spec.system) {
      case 'gangplank':
        base = chart;
        break;
      case 'stock100':
        base = { ...stock, percentageOfNodesToScore: chart.percentageOfNodesToScore };
        break;
      case 'nullext': {
        // The chart's configuration, its extender swapped for the null one (which does not preempt).
        const [ext] = chart.extenders as Record<string, unknown>[];
        const { preemptVerb: _, ...rest } = ext as Record<string, unknown>;
        base = { ...chart, profiles: stock.profiles, extenders: [{ ...rest, urlPrefix: `http://127.0.0.1:${this.nullExtender?.port ?? 0}` }] };
        break;
      }
      default:
        base = stock;
    }
    return spec.limits === 'raised' ? { ...base, clientConnection: { ...((base.clientConnection as object) ?? {}), ...RAISED } } : base;
  }

  private async createPod(p: V1Pod): Promise<void> {
    const ns = p.metadata?.namespace as string;
    this.created.set(`${ns}/${p.metadata?.name}`, performance.now());
    await this.cluster.plane.client.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: p });
  }

  private async createWorkload(ns: string, name: string, group: string, min: number): Promise<void> {
    await this.cluster.plane.client.request({ method: 'POST', path: WORKLOADS_PATH(ns), body: workload(ns, name, group, min) });
  }

  async run(spec: RunSpec, pool: string): Promise<RunResult> {
    const index = ++this.index;
    const ns = `b${index}-${spec.workload}-${spec.system}-${spec.limits}`;
    const client = this.cluster.plane.client;
    await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
    const name = SCHEDULER_NAME[spec.system];
    const proc: ManagedProcess = await this.cluster.plane.startScheduler(this.schedulerConfig(spec), name);
    // Let the new scheduler's informers list everything before the clock starts.
    await sleep(1_000);
    const extender = this.cluster.process('extender');
    const extLog = extender?.logFile ?? '';
    const logOffset = extLog && existsSync(extLog) ? statSync(extLog).size : 0;
    const apiBefore = await apiRequests(this.cluster);
    const bindingsBefore = await bindingLatencyBuckets(this.cluster);
    const callsBefore = spec.system === 'gangplank' ? await extenderCalls(this.cluster) : {};
    const procs = new ProcWatcher({
      'kube-apiserver': this.pid('kube-apiserver'),
      etcd: this.pid('etcd'),
      scheduler: proc.pid,
      'gangplank-extender': extender?.pid,
      'gangplank-webhook': this.cluster.process('webhook')?.pid,
      'null-extender': this.nullExtender?.pid,
    }).start();

    const profiled = GO_PROF ? (mkdirSync(GO_PROF, { recursive: true }), schedulerProfile(proc, 5, join(GO_PROF, `${ns}.pprof`))) : undefined;
    const perfed = PERF ? (mkdirSync(PERF, { recursive: true }), perfRecord([proc.pid, extender?.pid], 6, join(PERF, `${ns}.perf`))) : undefined;
    const creates = new CreatePool(CREATE_CONCURRENCY);
    const gangPods = new Set<string>();
    let expected = 0;
    const t0 = performance.now();
    const unlisten: (() => void)[] = [];
    const gangs = spec.workload === 'contention' ? CONTENTION_GANGS : GANGS;
    switch (spec.workload) {
      case 'plain':
        expected = PLAIN_PODS;
        for (let i = 0; i < PLAIN_PODS; i++) creates.push(() => this.createPod(plainPod(spec.system, ns, `p-${i}`, pool)));
        break;
      case 'cocreated':
      case 'contention': {
        expected = gangs * GANG_SIZE;
        // Co-created gangs are created gang by gang; contention interleaves them (member i of every gang, then i + 1).
        const order: [number, number][] = [];
        if (spec.workload === 'cocreated') for (let g = 0; g < gangs; g++) for (let i = 0; i < GANG_SIZE; i++) order.push([g, i]);
        else for (let i = 0; i < GANG_SIZE; i++) for (let g = 0; g < gangs; g++) order.push([g, i]);
        if (spec.system === 'intree') {
          // A Workload exists before its pods (else they wait for it to appear).
          const w = new CreatePool(CREATE_CONCURRENCY);
          await Promise.all(Array.from({ length: gangs }, (_, g) => new Promise<void>((res, rej) => w.push(() => this.createWorkload(ns, `g${g}`, 'members', GANG_SIZE).then(res, rej)))));
        }
        for (const [g, i] of order) {
          const p = gangMember(spec.system, ns, `g${g}`, i, GANG_SIZE, pool);
          gangPods.add(`${ns}/${p.metadata?.name}`);
          creates.push(() => this.createPod(p));
        }
        break;
      }
      case 'paced-gangs':
      case 'paced-plain': {
        expected = PACED_GANGS * GANG_SIZE;
        const start = performance.now();
        for (let g = 0; g < PACED_GANGS; g++) {
          const pods = Array.from({ length: GANG_SIZE }, (_, i) =>
            spec.workload === 'paced-gangs' ? gangMember(spec.system, ns, `g${g}`, i, GANG_SIZE, pool) : plainPod(spec.system, ns, `p-${g * GANG_SIZE + i}`, pool),
          );
          if (spec.workload === 'paced-gangs') {
            if (spec.system === 'intree') await this.createWorkload(ns, `g${g}`, 'members', GANG_SIZE);
            for (const p of pods) gangPods.add(`${ns}/${p.metadata?.name}`);
          }
          const due = start + g * PACED_INTERVAL_MS;
          await sleep(Math.max(0, due - performance.now()));
          for (const p of pods) creates.push(() => this.createPod(p));
        }
        break;
      }
      case 'driverled': {
        expected = APPS * (1 + EXECUTORS);
        const driverName = (app: string): string => `${app}-driver`;
        unlisten.push(
          this.watch.onBound((b: BoundPod) => {
            if (b.namespace !== ns || !b.name.endsWith('-driver')) return;
            const app = b.name.slice(0, -'-driver'.length);
            const driver = { name: driverName(app), uid: b.pod.metadata?.uid ?? '' };
            for (let i = 1; i <= EXECUTORS; i++) {
              const e = sparkExecutor(spec.system, ns, app, driver, i, pool);
              gangPods.add(`${ns}/${e.metadata?.name}`);
              creates.push(() => this.createPod(e));
            }
          }),
        );
        for (let a = 0; a < APPS; a++) {
          const app = `app${a}`;
          if (spec.system === 'intree') creates.push(() => this.createWorkload(ns, app, 'executors', EXECUTORS));
          const d = sparkDriver(spec.system, ns, app, EXECUTORS, pool);
          gangPods.add(`${ns}/${d.metadata?.name}`);
          creates.push(() => this.createPod(d));
        }
        break;
      }
    }

    // Wait: everything bound, or (contention) no progress for a while.
    const deadline = t0 + (spec.workload === 'contention' ? CONTENTION_MAX_MS : RUN_TIMEOUT_MS);
    let lastCount = -1;
    let lastChange = performance.now();
    for (;;) {
      if (creates.error()) throw creates.error();
      const n = this.watch.boundIn(ns).length;
      const now = performance.now();
      if (n !== lastCount) {
        lastCount = n;
        lastChange = now;
      }
      if (n >= expected) break;
      if (spec.workload === 'contention' && n >= CONTENTION_NODES * 8) break;
      if (spec.workload === 'contention' && now - t0 > 30_000 && now - lastChange > 15_000) break;
      if (now > deadline) break;
      await sleep(50);
    }
    const figures = procs.stop();
    await profiled;
    await perfed;
    for (const u of unlisten) u();
    const bound = this.watch.boundIn(ns);
    const apiAfter = await apiRequests(this.cluster);
    const bindingsAfter = await bindingLatencyBuckets(this.cluster);
    const callsAfter = spec.system === 'gangplank' ? await extenderCalls(this.cluster) : {};
    await this.cluster.plane.stopScheduler(name);
    const calls: Record<string, number> = {};
    for (const [k, v] of Object.entries(callsAfter)) if (k !== 'loopDelayP99') calls[k] = v - (callsBefore[k] ?? 0);

    const lastBound = Math.max(...bound.map((b) => b.at));
    const seconds = bound.length > 0 ? (lastBound - t0) / 1000 : NaN;
    const lat = bound.map((b) => b.at - (this.created.get(`${b.namespace}/${b.name}`) ?? t0)).sort((a, b) => a - b);
    let gangs2: RunResult['gangs'];
    if (spec.workload === 'cocreated' || spec.workload === 'contention' || spec.workload === 'paced-gangs') {
      const per = new Map<string, number>();
      for (const b of bound) {
        const g = b.name.slice(0, b.name.lastIndexOf('-'));
        per.set(g, (per.get(g) ?? 0) + 1);
      }
      let complete = 0;
      let partial = 0;
      for (const n of per.values()) {
        if (n >= GANG_SIZE) complete++;
        else partial++;
      }
      gangs2 = { complete, partial, none: (spec.workload === 'paced-gangs' ? PACED_GANGS : gangs) - complete - partial };
    }
    const result: RunResult = {
      ...spec,
      index,
      pods: expected,
      bound: bound.length,
      seconds,
      podsPerSecond: bound.length / seconds,
      latency: { p50: nearestRank(lat, 0.5) ?? 0, p99: nearestRank(lat, 0.99) ?? 0, max: lat.at(-1) ?? 0 },
      procs: figures,
      api: apiDelta(apiBefore, apiAfter),
      ...(spec.system === 'gangplank' && extLog ? { gangplank: { ...extenderLog(extLog, logOffset, ns, gangPods), calls, loopDelayP99Ms: callsAfter.loopDelayP99 ?? NaN } } : {}),
      bindingServerMs: { p50: bucketQuantile(bindingsBefore, bindingsAfter, 0.5) * 1000, p99: bucketQuantile(bindingsBefore, bindingsAfter, 0.99) * 1000 },
      ...(gangs2 ? { gangs: gangs2 } : {}),
    };
    console.log(summary(result));
    // Every kind of API request the run caused, for diagnosis (not in the report).
    const requests = [...apiAfter].map(([k, v]) => [k, v - (apiBefore.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
    console.log(`    API requests: ${requests.sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (spec.workload !== 'contention' && bound.length < expected) console.log(`  !! ${spec.system}: only ${bound.length} of ${expected} pods bound`);

    // Clean up: every pod (and Workload) of the run, then a pause for the informers.
    await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods`, body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 } });
    if (spec.system === 'intree') await client.request({ method: 'DELETE', path: WORKLOADS_PATH(ns) }).catch(() => undefined);
    for (let i = 0; i < 240; i++) {
      const left = await client.request<{ items: unknown[] }>({ path: `/api/v1/namespaces/${ns}/pods?limit=1` });
      if (left.items.length === 0) break;
      await sleep(250);
    }
    this.watch.forget(ns);
    for (const k of this.created.keys()) if (k.startsWith(`${ns}/`)) this.created.delete(k);
    await sleep(2_000);
    return result;
  }
}

function summary(r: RunResult): string {
  const cpu = Object.entries(r.procs)
    .map(([k, v]) => `${k} ${v.cpuSeconds.toFixed(1)}s/${mib(v.peakRssBytes)}MiB`)
    .join(', ');
  const g = r.gangplank
    ? `; bind p50 ${r.gangplank.bindMs.p50} p99 ${r.gangplank.bindMs.p99} ms (gang ${r.gangplank.gangBindMs.p99}; its API writes p50 ${r.gangplank.apiMs.p50} p99 ${r.gangplank.apiMs.p99}, waiting for the plan p99 ${r.gangplank.waitMs.p99}; event loop delay p99 ${r.gangplank.loopDelayP99Ms.toFixed(1)} ms), plan writes ${r.gangplank.planWrites}, calls ${JSON.stringify(r.gangplank.calls)}`
    : '';
  const gangs = r.gangs ? `; gangs complete ${r.gangs.complete} partial ${r.gangs.partial}` : '';
  return `  #${r.index} ${r.workload}/${r.system}/${r.limits}: kube-apiserver's Binding p50 ≤ ${r.bindingServerMs.p50} ms, p99 ≤ ${r.bindingServerMs.p99} ms; ${r.bound}/${r.pods} bound in ${r.seconds.toFixed(2)} s = ${r.podsPerSecond.toFixed(1)} pods/s${gangs}${g}; API bindings ${r.api.bindings}, pod patches ${r.api.podPatches}, status ${r.api.statusWrites}, events ${r.api.events}, writes ${r.api.writes}; ${cpu}`;
}

// ---- the plan of runs ----

function plan(): RunSpec[] {
  const only = process.env.GANGPLANK_BENCH_RUNS;
  if (only) {
    return only.split(',').map((s) => {
      const [workload, system, limits] = s.trim().split('/') as [WorkloadKind, System, Limits];
      return { workload, system, limits: limits ?? 'raised' };
    });
  }
  const runs: RunSpec[] = [];
  const systems = (w: WorkloadKind): System[] => (w === 'plain' ? ['stock', 'gangplank'] : ['intree', 'stock', 'gangplank']);
  // Raised limits (the goals): two rounds, the second in the reverse order.
  for (const w of ['cocreated', 'driverled', 'plain'] as const) {
    // Plain pods also go through the two systems that take Gangplank's scheduler apart.
    const s: System[] = w === 'plain' ? ['stock', 'stock100', 'nullext', 'gangplank'] : systems(w);
    for (const system of s) runs.push({ workload: w, system, limits: 'raised' });
    for (const system of [...s].reverse()) runs.push({ workload: w, system, limits: 'raised' });
  }
  // Shipped limits: one round each.
  for (const w of ['cocreated', 'driverled', 'plain'] as const) for (const system of [...systems(w)].reverse()) runs.push({ workload: w, system, limits: 'shipped' });
  // Below saturation: the bind's own latency.
  for (const system of ['gangplank', 'intree'] as const) runs.push({ workload: 'paced-gangs', system, limits: 'raised' });
  for (const system of ['stock', 'gangplank'] as const) runs.push({ workload: 'paced-plain', system, limits: 'raised' });
  for (const system of ['gangplank', 'intree', 'stock'] as const) runs.push({ workload: 'contention', system, limits: 'raised' });
  return runs;
}

// ---- the benchmark ----

export async function schedulerBenchmark(): Promise<void> {
  const root = repoRoot();
  // test/controlplane/build.sh picks the version from GANGPLANK_KUBE.
  process.env.GANGPLANK_KUBE = KUBE;
  const dir = mkdtempSync(join(tmpdir(), 'gangplank-bench-'));
  const t0 = Date.now();
  const load0 = loadavg();
  const cluster = await startLocalCluster({
    kcp: kcpPath(root),
    helm: helmPath(root),
    dir,
    // Fake nodes have no kubelet: nothing refreshes the node cache, so the stale-cache rule would fail every call closed mid-run.
    gangplankConfig: { schedulerName: 'gangplank-scheduler', schedulerNameAliases: ['kubenexus-scheduler'], extender: { cacheStaleSeconds: 3600 } },
    gangplankLogLevel: 'info',
    apiserverArgs: [FEATURE_GATES, '--runtime-config=scheduling.k8s.io/v1alpha1=true'],
    schedulerArgs: [FEATURE_GATES, ...(GO_PROF ? ['--authorization-always-allow-paths=/healthz,/readyz,/livez,/debug/pprof/*'] : [])],
    ...(process.env.GANGPLANK_BENCH_CPU_PROF ? { gangplankNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env.GANGPLANK_BENCH_CPU_PROF}`] } : PERF ? { gangplankNodeArgs: ['--perf-basic-prof'] } : {}),
    log: (m) => console.log(`  ${m}`),
  });
  const watch = new PodWatch(cluster.plane.client);
  const runs = plan();
  const nullPort = await freePort();
  const nullExt = runs.some((r) => r.system === 'nullext')
    ? spawn(process.execPath, [join(root, 'dist', 'bench', 'null-extender.js'), String(nullPort), cluster.plane.kubeconfig], { stdio: 'ignore' })
    : undefined;
  try {
    await cluster.plane.stopScheduler('default-scheduler');
    await cluster.stopGangplankScheduler();
    await watch.start();
    const bench = new Bench(cluster, watch, nullExt ? { port: nullPort, pid: nullExt.pid } : undefined);
    const results: RunResult[] = [];
    const mainSpecs = parseNodeSpecs(`${MAIN_NODES}x ${NODE_SHAPE} ${POOL_LABEL}=main`, 'bench');
    let nodes: 'none' | 'main' | 'contention' = 'none';
    const contentionSpecs = parseNodeSpecs(`${CONTENTION_NODES}x ${NODE_SHAPE} ${POOL_LABEL}=contention`, 'contention');
    for (const spec of runs) {
      const want = spec.workload === 'contention' ? 'contention' : 'main';
      if (nodes !== want) {
        // One pool at a time, so every call sees exactly that pool's nodes.
        if (nodes !== 'none') await deleteNodes(cluster.plane.client, (nodes === 'main' ? mainSpecs : contentionSpecs).map((s) => s.name));
        const tn = Date.now();
        await createNodes(cluster.plane.client, want === 'main' ? mainSpecs : contentionSpecs);
        console.log(`  ${want === 'main' ? MAIN_NODES : CONTENTION_NODES} nodes {${NODE_SHAPE}} created in ${((Date.now() - tn) / 1000).toFixed(1)} s`);
        nodes = want;
        await sleep(3_000);
      }
      results.push(await bench.run(spec, want));
    }
    const load1 = loadavg();
    const text = report(results, { seconds: (Date.now() - t0) / 1000, load0, load1, version: cluster.plane.version });
    console.log(text);
    if (!process.env.GANGPLANK_BENCH_NO_WRITE) replaceSection('## Scheduler: gangs side by side', text);
  } finally {
    nullExt?.kill();
    watch.stop();
    await cluster.stop();
  }
}

// ---- the report ----

const row = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function machine(): string[] {
  const sh = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  return [`- machine: \`nproc\` = ${sh('nproc', [])} (${cpus()[0]?.model ?? '?'}), node ${process.version}`, '- `free -h`:', '', '```', sh('free', ['-h']), '```'];
}

/** CPU seconds of the scheduling side of a system: its kube-scheduler, and for Gangplank its extender and webhook. */
function schedulingCpu(r: RunResult): number {
  const p = (k: string): number => r.procs[k]?.cpuSeconds ?? 0;
  return p('scheduler') + (r.system === 'gangplank' ? p('gangplank-extender') + p('gangplank-webhook') : 0) + (r.system === 'nullext' ? p('null-extender') : 0);
}

function report(results: RunResult[], meta: { seconds: number; load0: number[]; load1: number[]; version: string }): string {
  const pick = (w: WorkloadKind, s: System, l: Limits): RunResult[] => results.filter((r) => r.workload === w && r.system === s && r.limits === l);
  const rate = (w: WorkloadKind, s: System, l: Limits): number => mean(pick(w, s, l).map((r) => r.podsPerSecond));
  const ratio = (w: WorkloadKind, a: System, b: System, l: Limits): number => rate(w, a, l) / rate(w, b, l);
  const out: string[] = [
    '## Scheduler: gangs side by side',
    '',
    '```',
    'npm run bench -- scheduler      # tsc -p tsconfig.bench.json && node dist/bench/run.js scheduler',
    '```',
    '',
    `- date: ${new Date().toISOString()}; whole run ${meta.seconds.toFixed(0)} s; Kubernetes ${meta.version} (kube-apiserver, kube-scheduler), Gangplank from the chart`,
    ...machine(),
    `- load average before: ${meta.load0.map((x) => x.toFixed(2)).join(' ')}; after: ${meta.load1.map((x) => x.toFixed(2)).join(' ')}. Everything (etcd, kube-apiserver, the scheduler under test, Gangplank, this benchmark) shares these cores.`,
    `- ${MAIN_NODES} fake nodes {${NODE_SHAPE}, pods 110}; every pod requests {cpu 1, memory 1Gi}. Co-created: ${GANGS} gangs × ${GANG_SIZE}, created gang by gang. Driver-led: ${APPS} Spark apps, the driver first, its ${EXECUTORS} executors created when the driver is seen bound (${APPS * (1 + EXECUTORS)} pods). Plain: ${PLAIN_PODS} pods in no gang. ${CREATE_CONCURRENCY} creates in flight.`,
    '- systems: **stock** = kube-scheduler, default configuration, no gangs; **in-tree** = the same kube-scheduler with GangScheduling: one `scheduling.k8s.io/v1alpha1` Workload per gang (`podGroups[].policy.gang.minCount`), pods with `spec.workloadRef` (a Spark driver cannot be ganged with executors that do not exist yet, so in-tree the executors alone are the gang); **gangplank** = the chart\'s scheduler configuration (percentageOfNodesToScore 100, extender filter/prioritize/bind) with Gangplank\'s extender and webhook. Every kube-scheduler runs with `--feature-gates=GenericWorkload=true,GangScheduling=true`, kube-apiserver with the same gates and `--runtime-config=scheduling.k8s.io/v1alpha1=true`. Spark pods (driver-led) go through Gangplank\'s webhook for every system.',
    `- limits: **shipped** = kube-scheduler's default clientConnection (qps 50, burst 100); **raised** = qps ${RAISED.qps}, burst ${RAISED.burst}. Gangplank's own API client has no rate limit.`,
    '- pods/s = pods bound / (last bound − first create), bound as seen by one watch on all pods (the same for every system). Create→bound latency per pod. CPU seconds = utime + stime from /proc/PID/stat over the run; peak RSS = highest VmRSS sampled every 100 ms during the run. API calls from kube-apiserver\'s `apiserver_request_total` (writes: POST/PUT/PATCH, pod deletions excluded). Gangplank bind = the extender\'s own time per /bind (its log), API writes included.',
    '',
    '### Every run, in the order run',
    '',
    row(['#', 'workload', 'system', 'limits', 'bound', 's', 'pods/s', 'create→bound p50 / p99 ms', 'CPU s: scheduler / extender / webhook / apiserver / etcd', 'peak RSS MiB: scheduler / extender / webhook / apiserver', 'API: bindings / pod patches / status / events / all writes', 'kube-apiserver Binding p50 / p99 ms (bucket bound)', 'gangplank bind p50 / p99 / max ms (n)', 'of it: its API writes p99 / waiting for the plan p99 / event-loop delay p99 ms', 'plan writes', 'extender calls: filter / prioritize / bind']),
    row(['---:', '---', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...results.map((r) => {
      // The extender column: Gangplank's (in other systems' runs it only watches), or the null one.
      const ext = r.system === 'nullext' ? 'null-extender' : 'gangplank-extender';
      const c = (k: string): string => f1(r.procs[k === 'gangplank-extender' ? ext : k]?.cpuSeconds ?? NaN);
      const m = (k: string): string => mib(r.procs[k === 'gangplank-extender' ? ext : k]?.peakRssBytes ?? 0);
      const g = r.gangplank;
      return row([
        r.index,
        r.workload,
        r.system,
        r.limits,
        `${r.bound}/${r.pods}`,
        f2(r.seconds),
        f1(r.podsPerSecond),
        `${r.latency.p50.toFixed(0)} / ${r.latency.p99.toFixed(0)}`,
        `${c('scheduler')} / ${c('gangplank-extender')} / ${c('gangplank-webhook')} / ${c('kube-apiserver')} / ${c('etcd')}`,
        `${m('scheduler')} / ${m('gangplank-extender')} / ${m('gangplank-webhook')} / ${m('kube-apiserver')}`,
        `${r.api.bindings} / ${r.api.podPatches} / ${r.api.statusWrites} / ${r.api.events} / ${r.api.writes}`,
        `≤ ${r.bindingServerMs.p50} / ≤ ${r.bindingServerMs.p99}`,
        g ? `${g.bindMs.p50} / ${g.bindMs.p99} / ${g.bindMs.max} (${g.bindMs.n})` : '',
        g ? `${g.apiMs.p99} / ${g.waitMs.p99} / ${f1(g.loopDelayP99Ms)}` : '',
        g ? String(g.planWrites) : '',
        g ? `${g.calls.filter ?? 0} / ${g.calls.prioritize ?? 0} / ${g.calls.bind ?? 0}` : '',
      ]);
    }),
    '',
    '### Ratios (means of the runs above)',
    '',
    row(['workload', 'stock pods/s', 'in-tree pods/s', 'gangplank pods/s', 'gangplank / in-tree', 'gangplank / stock', 'scheduling CPU s per 1,000 pods: stock / in-tree / gangplank']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const w of ['cocreated', 'driverled', 'plain'] as const) {
    for (const l of ['raised', 'shipped'] as const) {
      if (pick(w, 'gangplank', l).length === 0) continue;
      const cpuPer = (s: System): string => {
        const rs = pick(w, s, l);
        return rs.length ? f2(mean(rs.map((r) => (schedulingCpu(r) / r.bound) * 1000))) : '–';
      };
      out.push(
        row([
          `${w} (${l})`,
          f1(rate(w, 'stock', l)),
          w === 'plain' ? '–' : f1(rate(w, 'intree', l)),
          f1(rate(w, 'gangplank', l)),
          w === 'plain' ? '–' : f2(ratio(w, 'gangplank', 'intree', l)),
          f2(ratio(w, 'gangplank', 'stock', l)),
          `${cpuPer('stock')} / ${w === 'plain' ? '–' : cpuPer('intree')} / ${cpuPer('gangplank')}`,
        ]),
      );
    }
  }
  const parts: [System, string][] = [
    ['stock', 'kube-scheduler as shipped (scores a sample of the nodes: 230 of 500 here)'],
    ['stock100', '+ percentageOfNodesToScore 100, as the chart sets it (an extender must see every feasible node)'],
    ['nullext', '+ filter, prioritize and bind over HTTP to an extender that decides nothing (bench/null-extender.ts)'],
    ['gangplank', "+ Gangplank's decisions (reservations, NUMA, gang checks) and its informers"],
  ];
  if (pick('plain', 'nullext', 'raised').length > 0) {
    const per = (s: System, k: string): string => {
      const rs = pick('plain', s, 'raised');
      return rs.length ? f2(mean(rs.map((r) => ((r.procs[k]?.cpuSeconds ?? NaN) / r.bound) * 1000))) : '–';
    };
    out.push(
      '',
      '### Plain pods: where the time goes (raised limits)',
      '',
      "Each row adds one part of Gangplank's scheduler to the one above; the same pods, the same nodes, in this run.",
      '',
      row(['system', 'what it adds', 'pods/s', '× stock', 'CPU s per 1,000 pods: scheduler / extender']),
      row(['---', '---', '---:', '---:', '---:']),
      ...parts.map(([s, what]) =>
        row([s, what, f1(rate('plain', s, 'raised')), f2(ratio('plain', s, 'stock', 'raised')), `${per(s, 'scheduler')} / ${s === 'nullext' ? per(s, 'null-extender') : s === 'gangplank' ? per(s, 'gangplank-extender') : '–'}`]),
      ),
    );
  }
  const contention = results.filter((r) => r.workload === 'contention');
  if (contention.length > 0) {
    out.push(
      '',
      `### Contention: room for ${CONTENTION_NODES * 8 / GANG_SIZE} gangs (${CONTENTION_NODES} nodes {${NODE_SHAPE}}), ${CONTENTION_GANGS} gangs × ${GANG_SIZE} created interleaved (member i of every gang, then i + 1)`,
      '',
      `Each run ends when the free room is used, or after 15 s without a bind (at least 30 s), or after ${CONTENTION_MAX_MS / 1000} s.`,
      '',
      row(['system', 'complete gangs', 'partial gangs', 'gangs with nothing bound', 'pods bound', 'last bind after s']),
      row(['---', '---:', '---:', '---:', '---:', '---:']),
      ...contention.map((r) => row([r.system, r.gangs?.complete ?? 0, r.gangs?.partial ?? 0, r.gangs?.none ?? 0, r.bound, f1(r.seconds)])),
    );
  }
  const paced = results.filter((r) => r.workload === 'paced-gangs' || r.workload === 'paced-plain');
  if (paced.length > 0) {
    out.push(
      '',
      `### Bind latency below saturation: one gang of ${GANG_SIZE} (or ${GANG_SIZE} plain pods) every ${PACED_INTERVAL_MS} ms, ${PACED_GANGS} times (${(GANG_SIZE * 1000) / PACED_INTERVAL_MS} pods/s)`,
      '',
      'The runs above create pods as fast as 16 clients can, so every process queues behind the others on 2 cores and a bind\'s latency is mostly the API server\'s queue (its own Binding p99 is 100–600 ms there, for every system). Here the same pods arrive at a steady rate well below what any system manages, so the figures are the bind\'s own cost.',
      '',
      row(['#', 'workload', 'system', 'bound', 'create→bound p50 / p99 ms', 'kube-apiserver Binding p50 / p99 ms (bucket bound)', 'gangplank bind p50 / p99 / max ms (n)', 'of it: its API writes p99 / waiting for the plan p99 / event-loop delay p99 ms', 'plan writes']),
      row(['---:', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:']),
      ...paced.map((r) => {
        const g = r.gangplank;
        const b = r.workload === 'paced-gangs' ? g?.gangBindMs : g?.bindMs;
        return row([
          r.index,
          r.workload,
          r.system,
          `${r.bound}/${r.pods}`,
          `${r.latency.p50.toFixed(0)} / ${r.latency.p99.toFixed(0)}`,
          `≤ ${r.bindingServerMs.p50} / ≤ ${r.bindingServerMs.p99}`,
          g && b ? `${b.p50} / ${b.p99} / ${b.max} (${b.n})` : '',
          g ? `${g.apiMs.p99} / ${g.waitMs.p99} / ${f1(g.loopDelayP99Ms)}` : '',
          g ? String(g.planWrites) : '',
        ]);
      }),
    );
  }
  // ---- the goals, from the runs above ----
  const raisedGang = results.filter((r) => r.system === 'gangplank' && r.limits === 'raised' && (r.workload === 'cocreated' || r.workload === 'driverled'));
  const worstBindP99 = Math.max(...raisedGang.map((r) => r.gangplank?.gangBindMs.p99 ?? NaN));
  const gangsOf = (r: RunResult): number => (r.workload === 'driverled' ? APPS : r.workload === 'contention' ? (r.gangs?.complete ?? 0) : r.workload === 'paced-gangs' ? PACED_GANGS : GANGS);
  const pacedGangplank = results.filter((r) => r.system === 'gangplank' && r.workload === 'paced-gangs');
  const pacedGangBind = pacedGangplank.map((r) => r.gangplank?.gangBindMs.p99 ?? NaN);
  const planWritesPerGang = [...raisedGang, ...pacedGangplank].map((r) => (r.gangplank?.planWrites ?? 0) / gangsOf(r));
  const cpuPerThousand = raisedGang.map((r) => (schedulingCpu(r) / r.bound) * 1000);
  const gp = contention.find((r) => r.system === 'gangplank');
  const mark = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const coRatio = ratio('cocreated', 'gangplank', 'intree', 'raised');
  const dlRatio = ratio('driverled', 'gangplank', 'intree', 'raised');
  const plainRatio = ratio('plain', 'gangplank', 'stock', 'raised');
  out.push(
    '',
    '### Goals (raised limits, this run)',
    '',
    row(['goal', 'measured', '']),
    row(['---', '---', '---']),
    row(['gang pods/s ≥ 1.0× in-tree', `co-created ${f2(coRatio)}×, driver-led ${f2(dlRatio)}×`, mark(coRatio >= 1 && dlRatio >= 1)]),
    row(['plain pods through the extender ≥ 0.8× stock', `${f2(plainRatio)}×`, mark(plainRatio >= 0.8)]),
    row(['gang member bind p99 ≤ 20 ms', `below saturation (50 pods/s): ${pacedGangBind.map(f1).join(', ')} ms; flat out: worst run ${f1(worstBindP99)} ms`, `${mark(pacedGangBind.length > 0 && pacedGangBind.every((x) => x <= 20))} below saturation; ${mark(worstBindP99 <= 20)} flat out`]),
    row(['one plan write per gang', `${planWritesPerGang.map(f2).join(', ')} per gang`, mark(planWritesPerGang.every((x) => x === 1))]),
    row(['≤ 2 CPU-seconds per 1,000 gang pods (Gangplank and its scheduler)', `${cpuPerThousand.map(f2).join(', ')}`, mark(cpuPerThousand.every((x) => x <= 2))]),
    row(['contention: 0 partial gangs, all free room used', gp ? `${gp.gangs?.partial ?? '?'} partial, ${gp.bound} of ${CONTENTION_NODES * 8} pods' room used` : '–', mark(!!gp && gp.gangs?.partial === 0 && gp.bound === CONTENTION_NODES * 8)]),
  );
  return out.join('\n');
}
