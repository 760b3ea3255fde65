// A local cluster with Gangplank installed from its Helm chart, as users
// install it: `helm template` renders charts/gangplank with a values file,
// every rendered object is created through the API (server-side validation),
// and the chart's two Deployments are run as a kubelet would run them
// (pod-runner.ts): the webhook container, and the second kube-scheduler with
// its extender sidecar, each with the args, config files and ServiceAccount
// identity the chart gives it. A stock default scheduler runs beside it, as
// in a real cluster. The demo (`npm run cluster -- up`), the e2e tests and
// the scheduler benchmark share it.
//
// What differs from a real install, because there is no pod network here:
// the webhook's clientConfig points at https://127.0.0.1:<port>/mutate
// instead of its Service, the serving certificate also names 127.0.0.1
// (webhook.tls.extraDNSNames), every port is a free one given as a chart
// value, and each program finds the API server through a kubeconfig holding
// its ServiceAccount's token (KUBECONFIG) instead of in-cluster config.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { applyObjects, type ManifestObject } from './apply.js';
import { findObject, renderChart, RELEASE, RELEASE_NAMESPACE } from './chart.js';
import { startControlPlane, type ControlPlane } from './controlplane.js';
import { prepareContainer } from './pod-runner.js';
import { freePort } from './ports.js';
import { startProcess, waitFor, type ManagedProcess } from './process.js';
import { Supervised } from './supervisor.js';

/** The repository root (dev/cluster → ../.., dist/dev/cluster → ../../..). */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const up of ['../..', '../../..']) {
    const candidate = resolve(here, up);
    if (existsSync(join(candidate, 'charts', 'gangplank', 'Chart.yaml'))) return candidate;
  }
  throw new Error(`cannot find the repository root from ${here}`);
}

export type TlsMode = 'selfManaged' | 'provided';
export type Role = 'webhook' | 'extender';

export interface GangplankPorts {
  /** The webhook's HTTPS port. */
  readonly webhook: number;
  readonly webhookOps: number;
  /** The extender's HTTP port (127.0.0.1). */
  readonly extender: number;
  readonly extenderOps: number;
  /** The chart's kube-scheduler's secure port. */
  readonly scheduler: number;
}

export interface SchedulerReplica {
  readonly index: number;
  readonly extenderPort: number;
  readonly extenderOps: number;
  readonly schedulerPort: number;
  /** The extender container (restarted when it exits on its own). */
  readonly extender: Supervised;
  /** The kube-scheduler container (restarted when it exits, e.g. on losing its Lease). */
  readonly scheduler: Supervised;
}

export interface LocalClusterOptions {
  readonly kcp: string;
  readonly helm: string;
  readonly dir: string;
  /** Gangplank configuration (the chart's `config` value): an object, or a YAML file. */
  readonly gangplankConfig?: string | Record<string, unknown>;
  /** The webhook's TLS mode (default selfManaged, the chart's default). */
  readonly tlsMode?: TlsMode;
  /** More chart values, merged over the harness's (deeply, objects only). */
  readonly values?: Record<string, unknown>;
  /** Leave processes running after this Node.js process exits (`cluster up`). */
  readonly detached?: boolean;
  readonly log?: (msg: string) => void;
  /** Gangplank's log level (the chart's logLevel; logs go to <dir>/logs). */
  readonly gangplankLogLevel?: string;
  /** Extra kube-apiserver flags (optional; see ControlPlaneOptions.apiserverArgs). */
  readonly apiserverArgs?: readonly string[];
  /** Extra flags for kube-schedulers started through plane.startScheduler (optional). */
  readonly schedulerArgs?: readonly string[];
  /** Node.js flags for Gangplank's processes (optional; the benchmark profiles with `--cpu-prof`). */
  readonly gangplankNodeArgs?: readonly string[];
  /** Arguments after the chart's own for Gangplank's processes (optional; read at each start, like gangplankNodeArgs). */
  readonly gangplankArgs?: readonly string[];
}

export interface LocalCluster {
  readonly plane: ControlPlane;
  readonly ports: GangplankPorts;
  /** Every object the chart rendered, as created. */
  readonly objects: readonly ManifestObject[];
  /** The values the chart was rendered with. */
  readonly values: Record<string, unknown>;
  /** The rendered KubeSchedulerConfiguration of the chart's scheduler. */
  readonly schedulerConfig: Record<string, unknown>;
  /** The user each role runs as (system:serviceaccount:…). */
  readonly identities: Readonly<Record<Role | 'scheduler', string>>;
  process(role: Role): ManagedProcess | undefined;
  /** Start (or restart after a stop) Gangplank's webhook, extender, or both. */
  startGangplank(role?: Role | 'all'): Promise<void>;
  stopGangplank(signal?: 'SIGTERM' | 'SIGKILL', role?: Role | 'all'): Promise<void>;
  /** Stop the chart's kube-scheduler (the benchmark runs its configuration by itself). */
  stopGangplankScheduler(): Promise<void>;
  /**
   * Start one more replica of the chart's scheduler pod (kube-scheduler and
   * its extender, on their own ports; they elect a leader through the chart's
   * Lease). Replica 0 is the one started with the cluster. Returns its index.
   */
  addSchedulerReplica(): Promise<number>;
  /** The scheduler pods (replica 0 first), with their containers and ports. */
  schedulerReplicas(): SchedulerReplica[];
  /** Kill a scheduler pod (both containers, SIGKILL), as a node failure would. */
  killSchedulerReplica(index: number): Promise<void>;
  /** GET a path on a role's ops port (e.g. /metrics). */
  ops(path: string, role?: Role): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

function httpText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpGet(url, { timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` merged into `base`: objects deeply, everything else replaced. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? mergeValues(b, v) : v;
  }
  return out;
}

/** The rendered webhook configuration, pointed at the webhook's port on 127.0.0.1 instead of its Service. */
export function webhookOnLoopback(obj: ManifestObject, port: number): ManifestObject {
  if (obj.kind !== 'MutatingWebhookConfiguration') return obj;
  const webhooks = (obj.webhooks as { clientConfig: { service?: { path?: string }; caBundle?: string } }[]).map((w) => {
    const { service, ...rest } = w.clientConfig;
    return { ...w, clientConfig: { ...rest, url: `https://127.0.0.1:${port}${service?.path ?? '/mutate'}` } };
  });
  return { ...obj, webhooks };
}

export const DEFAULT_SCHEDULER_CONFIG = {
  apiVersion: 'kubescheduler.config.k8s.io/v1',
  kind: 'KubeSchedulerConfiguration',
  profiles: [{ schedulerName: 'default-scheduler' }],
};

/** The TLS Secret a `provided`-mode user would create, from the local CA's webhook pair. */
function providedTlsSecret(plane: ControlPlane, name: string): ManifestObject {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: RELEASE_NAMESPACE },
    data: { 'tls.crt': b64(readFileSync(plane.pki.webhook.certFile, 'utf8')), 'tls.key': b64(readFileSync(plane.pki.webhook.keyFile, 'utf8')) },
  };
}

export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  const log = opts.log ?? (() => {});
  const root = repoRoot();
  const plane = await startControlPlane({
    kcp: opts.kcp,
    dir: opts.dir,
    detached: opts.detached,
    log,
    ...(opts.apiserverArgs ? { apiserverArgs: opts.apiserverArgs } : {}),
    ...(opts.schedulerArgs ? { schedulerArgs: opts.schedulerArgs } : {}),
  });
  try {
    const ports: GangplankPorts = {
      webhook: await freePort(),
      webhookOps: await freePort(),
      extender: await freePort(),
      extenderOps: await freePort(),
      scheduler: await freePort(),
    };
    const tlsMode = opts.tlsMode ?? 'selfManaged';
    const config = typeof opts.gangplankConfig === 'string' ? (parse(readFileSync(opts.gangplankConfig, 'utf8')) as Record<string, unknown>) : (opts.gangplankConfig ?? {});
    const providedSecret = 'gangplank-webhook-provided-tls';
    const harnessValues: Record<string, unknown> = {
      config,
      logLevel: opts.gangplankLogLevel ?? 'debug',
      webhook: {
        port: ports.webhook,
        opsPort: ports.webhookOps,
        tls: {
          mode: tlsMode,
          extraDNSNames: ['127.0.0.1'],
          ...(tlsMode === 'provided' ? { provided: { secretName: providedSecret, caBundle: Buffer.from(plane.pki.ca.cert).toString('base64') } } : {}),
        },
      },
      extender: { port: ports.extender, opsPort: ports.extenderOps },
      scheduler: { port: ports.scheduler },
    };
    const values = mergeValues(harnessValues, opts.values ?? {});
    const t = Date.now();
    const objects = renderChart({ helm: opts.helm, chartDir: join(root, 'charts', 'gangplank'), values, kubeVersion: plane.version });
    log(`chart rendered: ${objects.length} objects (${Date.now() - t} ms)`);

    // `helm install --create-namespace`, then every object through the API.
    await applyObjects(plane.client, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: RELEASE_NAMESPACE } },
      ...(tlsMode === 'provided' ? [providedTlsSecret(plane, providedSecret)] : []),
      ...objects.map((o) => webhookOnLoopback(o, ports.webhook)),
    ]);
    await plane.startScheduler(DEFAULT_SCHEDULER_CONFIG, 'default-scheduler');

    const webhookDeployment = findObject(objects, 'Deployment', `${RELEASE}-webhook`);
    const schedulerDeployment = findObject(objects, 'Deployment', `${RELEASE}-scheduler`);
    const schedulerConfigMap = findObject(objects, 'ConfigMap', `${RELEASE}-scheduler-config`);
    const schedulerConfig = parse((schedulerConfigMap.data as Record<string, string>)['scheduler-config.yaml'] as string) as Record<string, unknown>;

    const runs: Record<string, number> = {};
    /** The user each process name last ran as. */
    const users: Record<string, string> = {};
    const identities: Record<string, string> = {};
    const supervised: Supervised[] = [];

    /**
     * Run one container of a rendered Deployment, as the kubelet would. A
     * second replica on this one host needs other ports than the chart's:
     * `ports` maps a rendered port to the one this replica uses, in args and in
     * kube-scheduler's extender URL (in a cluster each pod has its own IP).
     */
    const runContainer = async (
      deployment: ManifestObject,
      containerName: string,
      name: string,
      readyUrl?: string,
      portMap: ReadonlyMap<number, number> = new Map(),
    ): Promise<ManagedProcess> => {
      const run = (runs[name] = (runs[name] ?? 0) + 1);
      const prepared = await prepareContainer({
        client: plane.client,
        apiUrl: plane.apiUrl,
        caPem: plane.pki.ca.cert,
        deployment,
        container: containerName,
        dir: join(opts.dir, 'pods', `${name}-${run}`),
        podName: `${deployment.metadata.name}-local-${run}`,
      });
      users[name] = prepared.user;
      const remap = (text: string): string => text.replace(/(=|:)(\d{2,5})\b/g, (m, sep: string, port: string) => `${sep}${portMap.get(Number(port)) ?? port}`);
      const [program, ...args] = prepared.argv.map(remap);
      const logFile = join(opts.dir, 'logs', `${name}-${run}.log`);
      let proc: ManagedProcess;
      if (program === 'kube-scheduler') {
        // The in-cluster config a pod would use, as a kubeconfig file.
        const configArg = args.findIndex((a) => a.startsWith('--config='));
        const file = (args[configArg] as string).slice('--config='.length);
        const effective = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        const extenders = ((effective.extenders as { urlPrefix: string }[] | undefined) ?? []).map((e) => ({ ...e, urlPrefix: remap(e.urlPrefix) }));
        writeFileSync(file, stringify({ ...effective, extenders, clientConnection: { ...(effective.clientConnection as object), kubeconfig: prepared.kubeconfig } }));
        proc = startProcess({
          name,
          command: opts.kcp,
          args: [
            'kube-scheduler',
            ...args,
            '--bind-address=127.0.0.1',
            `--authentication-kubeconfig=${prepared.kubeconfig}`,
            `--authorization-kubeconfig=${prepared.kubeconfig}`,
          ],
          logFile,
          detached: opts.detached,
        });
      } else {
        // Gangplank's image runs dist/src/main.js with the container's args.
        proc = startProcess({
          name,
          command: process.execPath,
          args: [...(opts.gangplankNodeArgs ?? []), join(root, 'dist', 'src', 'main.js'), ...(program !== undefined ? [program] : []), ...args, ...(opts.gangplankArgs ?? [])],
          env: { ...prepared.env, KUBECONFIG: prepared.kubeconfig },
          logFile,
          detached: opts.detached,
          ...(readyUrl ? { readyUrl } : {}),
        });
      }
      plane.processes.push(proc);
      return proc;
    };

    /** A container restarted when it exits on its own, as under restartPolicy Always. */
    const container = (name: string, spawn: () => Promise<ManagedProcess>): Supervised => {
      const c = new Supervised(name, spawn, log);
      supervised.push(c);
      return c;
    };

    const opsPort = (role: Role): number => (role === 'webhook' ? ports.webhookOps : ports.extenderOps);
    const ready = async (what: string, c: Supervised, probe: () => Promise<boolean>): Promise<void> => {
      await waitFor(
        what,
        async () => {
          const p = c.current();
          if (!p?.isRunning()) throw new Error(`${c.name} is not running`);
          return probe();
        },
        60_000,
        () => c.current()?.tail() ?? '',
        200,
      );
    };
    const opsReady = (port: number) => async (): Promise<boolean> => (await httpText(`http://127.0.0.1:${port}/readyz`)).status === 200;

    /** One replica of the chart's scheduler pod: the extender and kube-scheduler containers. */
    const schedulerPod = (index: number, portMap: ReadonlyMap<number, number>): SchedulerReplica => {
      const port = (p: number): number => portMap.get(p) ?? p;
      const suffix = index === 0 ? '' : `-r${index}`;
      const extenderOps = port(ports.extenderOps);
      return {
        index,
        extenderPort: port(ports.extender),
        extenderOps,
        schedulerPort: port(ports.scheduler),
        extender: container(`gangplank-extender${suffix}`, () =>
          runContainer(schedulerDeployment, 'extender', `gangplank-extender${suffix}`, `http://127.0.0.1:${extenderOps}/readyz`, portMap),
        ),
        scheduler: container(`kube-scheduler-gangplank${suffix}`, () => runContainer(schedulerDeployment, 'kube-scheduler', `kube-scheduler-gangplank${suffix}`, undefined, portMap)),
      };
    };
    const webhook = container('gangplank-webhook', () =>
      runContainer(webhookDeployment, 'webhook', 'gangplank-webhook', `http://127.0.0.1:${ports.webhookOps}/readyz`),
    );
    const replicas: SchedulerReplica[] = [schedulerPod(0, new Map())];
    let replicaCount = 0;
    const primary = (): SchedulerReplica => replicas.find((r) => r.index === 0) as SchedulerReplica;
    const containerOf = (role: Role): Supervised | undefined => (role === 'webhook' ? webhook : replicas.find((r) => r.index === 0)?.extender);
    const roles = (role: Role | 'all'): Role[] => (role === 'all' ? ['webhook', 'extender'] : [role]);

    const startScheduler = async (r: SchedulerReplica): Promise<void> => {
      const t0 = Date.now();
      await r.scheduler.start();
      await ready(`${r.scheduler.name} /healthz`, r.scheduler, () => plane.probe(`https://127.0.0.1:${r.schedulerPort}/healthz`));
      identities.scheduler = users[r.scheduler.name] as string;
      log(`${r.scheduler.name} ready (${Date.now() - t0} ms) as ${identities.scheduler}, log ${r.scheduler.current()?.logFile}`);
    };

    const cluster: LocalCluster = {
      plane,
      ports,
      objects,
      values,
      schedulerConfig,
      identities: identities as LocalCluster['identities'],
      process: (role) => containerOf(role)?.current(),
      async startGangplank(role = 'all') {
        await Promise.all(
          roles(role).map(async (r) => {
            const t0 = Date.now();
            const c = containerOf(r) as Supervised;
            await c.start();
            identities[r] = users[c.name] as string;
            await ready(`gangplank ${r} /readyz`, c, opsReady(opsPort(r)));
            plane.timings[`gangplank-${r}`] = Date.now() - t0;
            log(`gangplank ${r} ready (${Date.now() - t0} ms) as ${identities[r]}, log ${c.current()?.logFile}`);
          }),
        );
      },
      async stopGangplank(signal = 'SIGTERM', role = 'all') {
        for (const r of roles(role)) await containerOf(r)?.stop(signal);
      },
      async stopGangplankScheduler() {
        await primary().scheduler.stop();
      },
      async addSchedulerReplica() {
        const index = ++replicaCount;
        const portMap = new Map([
          [ports.extender, await freePort()],
          [ports.extenderOps, await freePort()],
          [ports.scheduler, await freePort()],
        ]);
        const r = schedulerPod(index, portMap);
        replicas.push(r);
        await r.extender.start();
        await ready(`${r.extender.name} /readyz`, r.extender, opsReady(r.extenderOps));
        await startScheduler(r);
        log(`scheduler pod replica ${index}: extender :${r.extenderPort} (ops :${r.extenderOps}), kube-scheduler :${r.schedulerPort}`);
        return index;
      },
      schedulerReplicas: () => [...replicas],
      async killSchedulerReplica(index) {
        const r = replicas.find((x) => x.index === index);
        if (!r) throw new Error(`no scheduler replica ${index}`);
        await Promise.all([r.scheduler.stop('SIGKILL'), r.extender.stop('SIGKILL')]);
      },
      ops: (path, role = 'extender') => httpText(`http://127.0.0.1:${opsPort(role)}${path}`),
      async stop() {
        for (const c of supervised) await c.stop();
        await plane.stop();
      },
    };
    await cluster.startGangplank();
    // The chart's kube-scheduler, beside its extender, under the scheduler's identity.
    await startScheduler(primary());
    return cluster;
  } catch (err) {
    await plane.stop();
    throw err;
  }
}
