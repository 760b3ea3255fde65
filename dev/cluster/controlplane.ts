// A real control plane on 127.0.0.1: etcd, kube-apiserver and
// kube-scheduler from the `kcp` binary (test/controlplane), with free ports
// and a temporary directory. The API server is configured as upstream's
// integration tests do it: RBAC, client-cert admin, service-account keys,
// MutatingAdmissionWebhook on, ServiceAccount and TaintNodesByCondition off
// (no controller-manager creates default service accounts, and no node
// lifecycle controller removes the not-ready taints).
import { mkdirSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createKubeClient, loadKubeConfig, type KubeClient } from '../../src/k8s/client.js';
import { createClusterPki, kubeconfigYaml, type ClusterPki } from './pki.js';
import { freePort } from './ports.js';
import { startProcess, waitFor, type ManagedProcess } from './process.js';

export interface ControlPlaneOptions {
  /** Path of the kcp binary (test/controlplane/build.sh prints it). */
  readonly kcp: string;
  /** Working directory for data, certificates, kubeconfigs and logs. */
  readonly dir: string;
  /** Start processes that outlive this Node.js process (`cluster up`). */
  readonly detached?: boolean;
  readonly log?: (msg: string) => void;
  /**
   * Extra kube-apiserver flags, appended (optional; the benchmark turns on
   * the Workload API: `--feature-gates=GenericWorkload=true,GangScheduling=true`,
   * `--runtime-config=scheduling.k8s.io/v1alpha1=true`).
   */
  readonly apiserverArgs?: readonly string[];
  /** Extra flags for every kube-scheduler started by startScheduler (optional; e.g. the same feature gates). */
  readonly schedulerArgs?: readonly string[];
}

export interface ControlPlane {
  readonly dir: string;
  readonly pki: ClusterPki;
  readonly apiUrl: string;
  /** Admin kubeconfig (system:masters). */
  readonly kubeconfig: string;
  /** The API server's version (e.g. v1.35.4), from /version. */
  readonly version: string;
  readonly client: KubeClient;
  readonly processes: ManagedProcess[];
  readonly timings: Record<string, number>;
  /**
   * Start (or restart) a kube-scheduler named `name` with a
   * KubeSchedulerConfiguration object; several may run side by side (the
   * stock default scheduler and Gangplank's, as in a real cluster).
   */
  startScheduler(config: Record<string, unknown>, name?: string): Promise<ManagedProcess>;
  stopScheduler(name?: string): Promise<void>;
  /**
   * Stop kube-apiserver for `downMs`, then start it again on the same port
   * (etcd keeps the state): every watch breaks and every client retries.
   */
  restartApiServer(downMs?: number): Promise<void>;
  /** True when an HTTPS endpoint on 127.0.0.1 answers 200 (self-signed certificates accepted). */
  probe(url: string): Promise<boolean>;
  stop(): Promise<void>;
}

function probeHttp(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function probeHttps(url: string, tls: { ca?: string; cert?: string; key?: string; insecure?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      url,
      { method: 'GET', timeout: 2000, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const { dir, kcp } = opts;
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const processes: ManagedProcess[] = [];
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const pki = createClusterPki(join(dir, 'pki'));
  timings.pki = Date.now() - t0;

  const stopAll = async (): Promise<void> => {
    for (const p of [...processes].reverse()) await p.stop(5_000);
  };

  try {
    // etcd
    const [etcdClient, etcdPeer] = [await freePort(), await freePort()];
    const tEtcd = Date.now();
    const etcd = startProcess({
      name: 'etcd',
      command: kcp,
      args: [
        'etcd',
        '--name=gangplank',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=gangplank=http://127.0.0.1:${etcdPeer}`,
        // Test data only: skipping fsync makes writes ~10× faster on small disks.
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      logFile: join(dir, 'logs', 'etcd.log'),
      detached: opts.detached,
    });
    processes.push(etcd);
    await waitFor('etcd health', () => probeHttp(`http://127.0.0.1:${etcdClient}/health`), 30_000, () => etcd.tail());
    timings.etcd = Date.now() - tEtcd;
    log(`etcd ready on 127.0.0.1:${etcdClient} (${timings.etcd} ms)`);

    // kube-apiserver
    const apiPort = await freePort();
    const apiUrl = `https://127.0.0.1:${apiPort}`;
    const tApi = Date.now();
    const apiserverArgs = [
        'kube-apiserver',
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // Kubernetes 1.37 refuses a loopback advertise address while it
        // reconciles the `kubernetes` Service's endpoints; nothing here reaches
        // the API server through that Service, so it reconciles none.
        '--endpoint-reconciler-type=none',
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${pki.apiserver.certFile}`,
        `--tls-private-key-file=${pki.apiserver.keyFile}`,
        `--client-ca-file=${pki.caFile}`,
        `--service-account-key-file=${pki.serviceAccount.publicKeyFile}`,
        `--service-account-signing-key-file=${pki.serviceAccount.privateKeyFile}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        '--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook,NamespaceLifecycle,LimitRanger,DefaultTolerationSeconds,Priority',
        '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
        '--allow-privileged=true',
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        `--cert-dir=${join(dir, 'pki', 'apiserver-generated')}`,
        '--v=1',
        ...(opts.apiserverArgs ?? []),
    ];
    const adminTls = { ca: pki.ca.cert, cert: pki.admin.pair.cert, key: pki.admin.pair.key };
    let apiserverRuns = 0;
    const startApiserver = async (): Promise<ManagedProcess> => {
      const proc = startProcess({
        name: 'kube-apiserver',
        command: kcp,
        args: apiserverArgs,
        logFile: join(dir, 'logs', `kube-apiserver${apiserverRuns++ === 0 ? '' : `-${apiserverRuns}`}.log`),
        detached: opts.detached,
      });
      processes.splice(1, 0, proc);
      await waitFor(
        'kube-apiserver /readyz',
        () => {
          if (!proc.isRunning()) throw new Error('kube-apiserver exited');
          return probeHttps(`${apiUrl}/readyz`, adminTls);
        },
        90_000,
        () => proc.tail(),
        250,
      );
      return proc;
    };
    let apiserver = await startApiserver();
    timings.apiserver = Date.now() - tApi;
    log(`kube-apiserver ready at ${apiUrl} (${timings.apiserver} ms)`);

    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(apiUrl, pki.ca.cert, 'gangplank-admin', pki.admin.pair), { mode: 0o600 });
    const schedulerKubeconfig = join(dir, 'scheduler.kubeconfig');
    writeFileSync(schedulerKubeconfig, kubeconfigYaml(apiUrl, pki.ca.cert, 'system:kube-scheduler', pki.scheduler.pair), { mode: 0o600 });
    const client = createKubeClient(loadKubeConfig(kubeconfig));
    const { gitVersion: version } = await client.request<{ gitVersion: string }>({ path: '/version' });

    const schedulers = new Map<string, ManagedProcess>();
    let schedulerRuns = 0;
    const plane: ControlPlane = {
      dir,
      pki,
      apiUrl,
      kubeconfig,
      version,
      client,
      processes,
      timings,
      async startScheduler(config, name = 'kube-scheduler') {
        await plane.stopScheduler(name);
        const port = await freePort();
        const run = ++schedulerRuns;
        const file = join(dir, `${name}-config-${run}.yaml`);
        const effective = {
          ...config,
          clientConnection: { ...((config.clientConnection as object) ?? {}), kubeconfig: schedulerKubeconfig },
          leaderElection: { leaderElect: false },
        };
        writeFileSync(file, stringify(effective));
        const tSched = Date.now();
        const proc = startProcess({
          name,
          command: kcp,
          args: [
            'kube-scheduler',
            `--config=${file}`,
            '--bind-address=127.0.0.1',
            `--secure-port=${port}`,
            `--authentication-kubeconfig=${schedulerKubeconfig}`,
            `--authorization-kubeconfig=${schedulerKubeconfig}`,
            `--cert-dir=${join(dir, 'pki', 'scheduler-generated')}`,
            '--v=2',
            ...(opts.schedulerArgs ?? []),
          ],
          logFile: join(dir, 'logs', `${name}-${run}.log`),
          detached: opts.detached,
        });
        processes.push(proc);
        schedulers.set(name, proc);
        await waitFor(
          `${name} /healthz`,
          () => {
            if (!proc.isRunning()) throw new Error(`${name} exited`);
            return probeHttps(`https://127.0.0.1:${port}/healthz`, { insecure: true });
          },
          60_000,
          () => proc.tail(),
          200,
        );
        timings[name] = Date.now() - tSched;
        log(`${name} ready (${timings[name]} ms), log ${proc.logFile}`);
        return proc;
      },
      async stopScheduler(name = 'kube-scheduler') {
        const proc = schedulers.get(name);
        if (proc) {
          await proc.stop(5_000);
          processes.splice(processes.indexOf(proc), 1);
          schedulers.delete(name);
        }
      },
      async restartApiServer(downMs = 0) {
        await apiserver.stop(10_000);
        processes.splice(processes.indexOf(apiserver), 1);
        await new Promise((r) => setTimeout(r, downMs));
        apiserver = await startApiserver();
      },
      probe: (url) => probeHttps(url, { insecure: true }),
      stop: stopAll,
    };
    timings.total = Date.now() - t0;
    return plane;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
