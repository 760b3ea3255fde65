// A local cluster with Gangplank wired in exactly as the shipped manifests
// do it: deploy/namespace.yaml and deploy/rbac.yaml applied, Gangplank
// running under the RBAC identity they grant, the MutatingWebhookConfiguration
// from webhook-config/ registered (service swapped for a URL on 127.0.0.1 and
// a caBundle), and a second kube-scheduler from deploy/scheduler-config.yaml
// calling the extender. A stock default scheduler runs beside it, as in a
// real cluster. The demo (`npm run cluster -- up`) and the e2e tests share it.
import { existsSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { applyObjects, readManifests, type ManifestObject } from './apply.js';
import { startControlPlane, type ControlPlane } from './controlplane.js';
import { freePort } from './ports.js';
import { startProcess, waitFor, type ManagedProcess } from './process.js';

/** The repository root (dev/cluster → ../.., dist/dev/cluster → ../../..). */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const up of ['../..', '../../..']) {
    const candidate = resolve(here, up);
    if (existsSync(join(candidate, 'deploy', 'scheduler-config.yaml'))) return candidate;
  }
  throw new Error(`cannot find the repository root from ${here}`);
}

export interface GangplankPorts {
  readonly webhook: number;
  readonly extender: number;
  readonly ops: number;
}

export interface LocalClusterOptions {
  readonly kcp: string;
  readonly dir: string;
  /** Gangplank configuration: a file path, or an object written to a file. */
  readonly gangplankConfig?: string | Record<string, unknown>;
  /** Leave processes running after this Node.js process exits (`cluster up`). */
  readonly detached?: boolean;
  readonly log?: (msg: string) => void;
  /** Gangplank's log level (its logs go to <dir>/logs/gangplank-N.log). */
  readonly gangplankLogLevel?: string;
}

export interface LocalCluster {
  readonly plane: ControlPlane;
  readonly ports: GangplankPorts;
  readonly gangplankConfigFile: string;
  gangplank(): ManagedProcess | undefined;
  startGangplank(): Promise<ManagedProcess>;
  stopGangplank(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** GET a path on Gangplank's ops port (e.g. /metrics). */
  ops(path: string): Promise<{ status: number; body: string }>;
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

/** The shipped webhook configuration, pointed at a URL with a CA bundle. */
export function webhookRegistration(root: string, url: string, caPem: string): ManifestObject[] {
  const file = join(root, 'webhook-config', 'mutating-webhook.yaml');
  if (!existsSync(file)) throw new Error(`missing ${file}`);
  return readManifests(file).map((obj) => {
    if (obj.kind !== 'MutatingWebhookConfiguration') return obj;
    const webhooks = (obj.webhooks as { clientConfig?: object }[]).map((w) => ({
      ...w,
      clientConfig: { url: `${url}/mutate`, caBundle: Buffer.from(caPem).toString('base64') },
    }));
    return { ...obj, webhooks };
  });
}

/** The shipped scheduler configuration, pointed at the extender's port. */
export function schedulerConfiguration(root: string, extenderPort: number): Record<string, unknown> {
  const [config] = readManifests(join(root, 'deploy', 'scheduler-config.yaml'));
  if (!config) throw new Error('deploy/scheduler-config.yaml is empty');
  const extenders = (config.extenders as { urlPrefix: string }[]).map((e) => ({
    ...e,
    urlPrefix: e.urlPrefix.replace(/:\d+$/, `:${extenderPort}`),
  }));
  return { ...config, extenders };
}

export const DEFAULT_SCHEDULER_CONFIG = {
  apiVersion: 'kubescheduler.config.k8s.io/v1',
  kind: 'KubeSchedulerConfiguration',
  profiles: [{ schedulerName: 'default-scheduler' }],
};

export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  const log = opts.log ?? (() => {});
  const root = repoRoot();
  const plane = await startControlPlane({ kcp: opts.kcp, dir: opts.dir, detached: opts.detached, log });
  try {
    await applyObjects(plane.client, [
      ...readManifests(join(root, 'deploy', 'namespace.yaml')),
      ...readManifests(join(root, 'deploy', 'rbac.yaml')),
    ]);
    await plane.startScheduler(DEFAULT_SCHEDULER_CONFIG, 'default-scheduler');

    const ports: GangplankPorts = { webhook: await freePort(), extender: await freePort(), ops: await freePort() };
    const gangplankConfigFile =
      typeof opts.gangplankConfig === 'string' ? resolve(opts.gangplankConfig) : join(opts.dir, 'gangplank-config.yaml');
    if (typeof opts.gangplankConfig !== 'string') writeFileSync(gangplankConfigFile, stringify(opts.gangplankConfig ?? {}));

    let proc: ManagedProcess | undefined;
    let runs = 0;
    const cluster: LocalCluster = {
      plane,
      ports,
      gangplankConfigFile,
      gangplank: () => proc,
      async startGangplank() {
        const t = Date.now();
        const p = startProcess({
          name: 'gangplank',
          command: process.execPath,
          args: [
            join(root, 'dist', 'src', 'main.js'),
            'serve',
            `--config=${gangplankConfigFile}`,
            `--kubeconfig=${plane.gangplankKubeconfig}`,
            '--webhook-host=127.0.0.1',
            `--webhook-port=${ports.webhook}`,
            '--extender-host=127.0.0.1',
            `--extender-port=${ports.extender}`,
            '--ops-host=127.0.0.1',
            `--ops-port=${ports.ops}`,
            `--tls-cert-file=${plane.pki.webhook.certFile}`,
            `--tls-key-file=${plane.pki.webhook.keyFile}`,
            '--shutdown-grace-seconds=2',
            `--log-level=${opts.gangplankLogLevel ?? 'debug'}`,
          ],
          logFile: join(opts.dir, 'logs', `gangplank-${++runs}.log`),
          detached: opts.detached,
        });
        proc = p;
        plane.processes.push(p);
        await waitFor(
          'gangplank /readyz',
          async () => {
            if (!p.isRunning()) throw new Error('gangplank exited');
            return (await cluster.ops('/readyz')).status === 200;
          },
          60_000,
          () => p.tail(),
          200,
        );
        plane.timings.gangplank = Date.now() - t;
        log(`gangplank ready (${plane.timings.gangplank} ms): webhook https://127.0.0.1:${ports.webhook}, extender http://127.0.0.1:${ports.extender}, ops http://127.0.0.1:${ports.ops}`);
        return p;
      },
      async stopGangplank(signal = 'SIGTERM') {
        const p = proc;
        if (!p) return;
        if (signal === 'SIGKILL') await p.kill();
        else await p.stop(10_000);
        plane.processes.splice(plane.processes.indexOf(p), 1);
        proc = undefined;
      },
      ops: (path) => httpText(`http://127.0.0.1:${ports.ops}${path}`),
      stop: () => plane.stop(),
    };
    await cluster.startGangplank();
    await applyObjects(plane.client, webhookRegistration(root, `https://127.0.0.1:${ports.webhook}`, plane.pki.ca.cert));
    await plane.startScheduler(schedulerConfiguration(root, ports.extender), 'gangplank-scheduler');
    return cluster;
  } catch (err) {
    await plane.stop();
    throw err;
  }
}
