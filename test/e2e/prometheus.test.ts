// A real Prometheus (Debian's package, installed by test/tools/prometheus.sh)
// scrapes the chart-installed webhook and extender every second and loads the
// chart's alert rules; the tests place gangs on the real kube-scheduler and
// read Gangplank's series back through Prometheus' HTTP API, watch two alerts
// go off for real, and lint the rules and the live /metrics with promtool.
// Only 127.0.0.1 is ever contacted.
import type { V1Pod } from '@kubernetes/client-node';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../dev/cluster/local.js';
import { freePort } from '../../dev/cluster/ports.js';
import { waitFor } from '../../dev/cluster/process.js';
import { useLocalCluster } from './support/cluster.js';
import { driverPod, executorPod } from './support/spark.js';

const ROOT = resolve(import.meta.dirname, '../..');
const RULES = join(ROOT, 'charts/gangplank/files/prometheus-rules.yaml');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);

/** Gangplank's ops endpoints to scrape: the webhook's and the extender's process. */
function opsTargets(cluster: LocalCluster): string[] {
  return [`127.0.0.1:${cluster.ports.webhookOps}`, `127.0.0.1:${cluster.ports.extenderOps}`];
}

/** The binary's path on PATH, or '' when it is not there. */
function toolPath(name: 'prometheus' | 'promtool'): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

const tools = { prometheus: toolPath('prometheus'), promtool: toolPath('promtool') };
const missing = Object.entries(tools)
  .filter(([, path]) => !path)
  .map(([name]) => name);

interface Sample {
  metric: Record<string, string>;
  value: number;
}

interface Prometheus {
  readonly url: string;
  query(expr: string): Promise<Sample[]>;
  get<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

async function startPrometheus(bin: string, targets: string[], rulesFile: string): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'gangplank-prometheus-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A 1 s scrape and evaluation interval keeps every wait below a few seconds.
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(rulesFile)}`,
      'scrape_configs:',
      '  - job_name: gangplank',
      '    static_configs:',
      `      - targets: ${JSON.stringify(targets)}`,
      '',
    ].join('\n'),
  );
  const logFd = openSync(join(dir, 'prometheus.log'), 'a');
  const child: ChildProcess = spawn(
    bin,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', logFd, logFd] },
  );
  // The e2e global teardown kills what a crashed test file left behind.
  if (process.env.GANGPLANK_PID_FILE && child.pid) appendFileSync(process.env.GANGPLANK_PID_FILE, `${child.pid}\n`);
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  const log = (): string => readFileSync(join(dir, 'prometheus.log'), 'utf8').split('\n').slice(-20).join('\n');

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`GET ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  await waitFor('prometheus to be ready', async () => !exited && (await fetch(`${url}/-/ready`)).status === 200, 30_000, log, 200);
  return {
    url,
    get,
    async query(expr) {
      const data = await get<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A missing tool is a failing test that says how to install it, never a
// skip; the cluster is not started for nothing (a failing beforeAll would
// report the tests as skipped).
describe('prerequisites', () => {
  it('prometheus and promtool are on PATH', () => {
    expect(missing, `${missing.join(' and ')} not on PATH: run \`bash test/tools/prometheus.sh\` (as root; it installs Debian's prometheus package)`).toEqual([]);
  });
});

// Registered only with both tools present: otherwise the test above fails alone.
if (missing.length === 0) describe('a real Prometheus scrapes Gangplank', () => {
  const e2e = useLocalCluster({
    gangplankConfig: { schedulerName: 'gangplank-scheduler', extender: { gangTimeoutSeconds: 300, sparkConfigWaitSeconds: 1 } },
  });
  let prom: Prometheus | undefined;
  beforeAll(async () => {
    prom = await startPrometheus(tools.prometheus, opsTargets(e2e.cluster()), RULES);
    const targets = opsTargets(e2e.cluster()).length;
    await waitFor('both Gangplank targets to be up', async () => (await prom!.query('up{job="gangplank"} == 1')).length === targets, 30_000, () => '', 250);
  });
  afterAll(async () => {
    await prom?.stop();
  });

  /** Poll an instant query until `ok` holds for its samples; returns them. */
  async function eventually(expr: string, ok: (s: Sample[]) => boolean, timeoutMs = 20_000): Promise<Sample[]> {
    let last: Sample[] = [];
    await waitFor(
      `query ${expr}`,
      async () => ok((last = await prom!.query(expr))),
      timeoutMs,
      () => JSON.stringify(last),
      250,
    );
    return last;
  }
  const scalar = (s: Sample[]): number => (s.length === 1 ? (s[0] as Sample).value : NaN);

  it('reads build info, admissions, reservations, gang states, time to bound and cache sync back from Prometheus', async () => {
    const ns = await e2e.namespace('prom');
    await e2e.nodes('2x cpu=2,memory=8Gi');
    const spec = { ns, app: 'scraped', executors: 2 };

    const info = await eventually('gangplank_build_info', (s) => s.length === 2);
    for (const s of info) {
      expect(s.value).toBe(1);
      expect(s.metric.version).toBe(VERSION);
      expect(s.metric.node_version).toBe(process.version);
    }
    // prom-client's defaults under their standard names, from both processes.
    expect(await prom!.query('process_cpu_seconds_total{job="gangplank"}')).toHaveLength(2);
    expect(await prom!.query('{__name__=~"gangplank_(process|nodejs)_.*"}')).toEqual([]);
    const synced = await eventually('gangplank_cache_synced', (s) => s.length >= 3 && s.every((x) => x.value === 1));
    expect(synced.map((s) => s.metric.resource)).toEqual(expect.arrayContaining(['nodes', 'pods', 'pods/spark-drivers']));

    await e2e.createPod(driverPod(spec));
    const driver = await e2e.waitForPod(ns, 'scraped-driver', 'to be bound', bound);
    // Driver bound, executors not yet created: two executor slots of 1 cpu and 1Gi held.
    expect(scalar(await eventually('max(gangplank_reservations_held_pods)', (s) => scalar(s) === 2))).toBe(2);
    expect(scalar(await prom!.query('max(gangplank_reservations_held_cpu_cores)'))).toBe(2);
    expect(scalar(await prom!.query('max(gangplank_reservations_held_memory_bytes)'))).toBe(2 * 2 ** 30);
    await eventually('max(gangplank_gangs{state="reserved"})', (s) => scalar(s) === 1);
    expect(scalar(await eventually('sum(gangplank_admissions_total{role="driver"})', (s) => scalar(s) >= 1))).toBeGreaterThanOrEqual(1);
    expect(scalar(await prom!.query('sum(gangplank_admissions_total{outcome="error"})'))).toBe(0);

    for (let i = 1; i <= spec.executors; i++) await e2e.createPod(executorPod(spec, driver, i));
    for (let i = 1; i <= spec.executors; i++) await e2e.waitForPod(ns, `scraped-exec-${i}`, 'to be bound', bound);
    await eventually('sum(gangplank_gang_time_to_bound_seconds_count)', (s) => scalar(s) >= 1);
    await eventually('max(gangplank_gangs{state="filled"})', (s) => scalar(s) >= 1);
    expect(scalar(await eventually('max(gangplank_reservations_held_pods)', (s) => scalar(s) === 0))).toBe(0);
    expect(scalar(await prom!.query('sum(gangplank_extender_request_duration_seconds_count{verb="bind"})'))).toBeGreaterThanOrEqual(3);
    expect(scalar(await prom!.query('sum(gangplank_filter_outcomes_total{reason="Ready"})'))).toBeGreaterThanOrEqual(3);
  });

  it("posts Gangplank's Events with the pod's uid, so an involvedObject.uid selector finds them", async () => {
    const ns = await e2e.namespace('prom-ev');
    await e2e.nodes('1x cpu=2,memory=8Gi');
    await e2e.createPod(driverPod({ ns, app: 'evented', executors: 1 }));
    const driver = await e2e.waitForPod(ns, 'evented-driver', 'to be bound', bound);
    const uid = driver.metadata?.uid ?? '';
    expect(uid).not.toBe('');
    // kubectl describe pod selects Events by involvedObject.uid (among other fields).
    const path = `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.uid=${uid}`)}`;
    let events: { reason?: string; source?: { component?: string }; involvedObject?: { uid?: string; name?: string } }[] = [];
    await waitFor(
      'a GangReserved Event selected by the driver uid',
      async () => {
        events = (await e2e.client().request<{ items: typeof events }>({ path })).items;
        return events.some((e) => e.reason === 'GangReserved');
      },
      20_000,
      () => JSON.stringify(events.map((e) => [e.reason, e.source?.component])),
      250,
    );
    const reserved = events.find((e) => e.reason === 'GangReserved');
    expect(reserved?.source?.component).toBe('gangplank-extender');
    expect(reserved?.involvedObject).toMatchObject({ uid, name: 'evented-driver' });
  });

  it('fires the chart alerts on real series: a reservation timed out, a gang waiting past its time-out', async () => {
    const ns = await e2e.namespace('prom-al');
    await e2e.nodes('1x cpu=2,memory=8Gi');
    // Bound, but its executor never comes: the reservation is released after 2 s.
    await e2e.createPod(driverPod({ ns, app: 'abandoned', executors: 1, annotations: { 'gangplank.io/timeout-seconds': '2' } }));
    await e2e.waitForPod(ns, 'abandoned-driver', 'to be bound', bound);
    // Cannot fit at all (6 cpu on a 2-cpu node), with a 1 s time-out: waiting past it at once.
    await e2e.createPod(driverPod({ ns, app: 'toobig', executors: 5, annotations: { 'gangplank.io/timeout-seconds': '1' } }));
    await eventually('max(gangplank_gangs{state="does_not_fit"})', (s) => scalar(s) >= 1);
    await eventually('max(gangplank_gangs_waiting_past_timeout)', (s) => scalar(s) >= 1);

    type Alert = { labels: Record<string, string>; state: string };
    let alerts: Alert[] = [];
    const state = (name: string): string | undefined => alerts.find((a) => a.labels.alertname === name)?.state;
    await waitFor(
      'GangplankReservationsTimedOut firing and GangplankGangWaitingPastTimeout pending',
      async () => {
        alerts = (await prom!.get<{ alerts: Alert[] }>('/api/v1/alerts')).alerts;
        return state('GangplankReservationsTimedOut') === 'firing' && state('GangplankGangWaitingPastTimeout') === 'pending';
      },
      30_000,
      () => JSON.stringify(alerts),
      500,
    );
    const fired = alerts.find((a) => a.labels.alertname === 'GangplankReservationsTimedOut');
    expect(fired?.labels).toMatchObject({ severity: 'warning', job: 'gangplank' });
    // Nothing else is wrong in this cluster: no other alert fires, and none of
    // the error alerts is even pending. (Latency alerts may be pending on a
    // loaded 2-core machine; their `for: 10m` keeps them from firing here.)
    expect(alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname)).toEqual(['GangplankReservationsTimedOut']);
    const errorAlerts = ['GangplankGangPartlyPlaced', 'GangplankCacheNotSynced', 'GangplankExtenderFailingClosed', 'GangplankExtenderErrors', 'GangplankPodsAdmittedUnshaped', 'GangplankWebhookErrors'];
    expect(alerts.filter((a) => errorAlerts.includes(a.labels.alertname ?? '')).map((a) => `${a.labels.alertname} ${a.state}`)).toEqual([]);

    // Every rule evaluates against real series without an error.
    const groups = (await prom!.get<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules')).groups;
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(10);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
  });

  it('promtool: the chart rules pass check rules, and both live /metrics outputs pass check metrics with no finding', async () => {
    const rules = spawnSync(tools.promtool, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(rules.status, rules.stdout + rules.stderr).toBe(0);
    expect(rules.stdout).toMatch(/SUCCESS: \d+ rules found/);

    for (const role of ['webhook', 'extender'] as const) {
      const res = await e2e.cluster().ops('/metrics', role);
      expect(res.status).toBe(200);
      expect(res.body).toContain('gangplank_build_info');
      const lint = spawnSync(tools.promtool, ['check', 'metrics'], { input: res.body, encoding: 'utf8' });
      expect({ role, status: lint.status, output: lint.stdout + lint.stderr }).toEqual({ role, status: 0, output: '' });
    }
  });
});
