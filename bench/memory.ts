// The extender's memory with a large cluster listed through the API server
// (issue 13): 5,000 nodes and 50,000 realistic pods created through a real
// kube-apiserver, then a real Gangplank extender process started from the
// chart (the same program and arguments as the chart's scheduler pod), its
// RSS sampled from /proc every 50 ms from its start, through the initial
// LIST, until /readyz answers, and for a while after. Realistic means what a
// cluster holds, not a minimal fixture: Spark drivers and executors as
// spark-submit creates them (env, volumes and mounts, owner references),
// Deployment pods with probes and kubectl's last-applied-configuration,
// every pod bound and Running with container statuses (written through the
// status subresource), the API server's managedFields on all of them, and
// nodes with an image list and system info as a kubelet reports them.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot, startLocalCluster } from '../dev/cluster/local.js';
import { helmPath, kcpPath } from '../dev/cluster/tools.js';
import type { KubeClient } from '../src/k8s/client.js';
import { cpuSeconds, memory } from './procstat.js';
import { replaceSection } from './results.js';

const NODES = Number(process.env.GANGPLANK_BENCH_MEMORY_NODES ?? 5_000);
const PODS = Number(process.env.GANGPLANK_BENCH_MEMORY_PODS ?? 50_000);
const CONCURRENCY = 32;
const SETTLE_MS = 20_000;
const NAMESPACES = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (b: number): string => (b / 2 ** 20).toFixed(0);

async function pool<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

export function realisticNode(i: number): V1Node {
  const name = `node-${String(i).padStart(5, '0')}`;
  const gpu = i % 25 === 0;
  const resources: Record<string, string> = { cpu: '64', memory: '256Gi', pods: '110', 'ephemeral-storage': '500Gi', ...(gpu ? { 'nvidia.com/gpu': '8' } : {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': gpu ? 'p5.48xlarge' : 'm7i.16xlarge',
        'topology.kubernetes.io/region': 'eu-west-1',
        'topology.kubernetes.io/zone': `eu-west-1${'abc'[i % 3]}`,
        'node-pool': gpu ? 'gpu' : 'general',
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        ...(gpu
          ? { 'gangplank.io/numa-topology': JSON.stringify([0, 1].map((z) => ({ name: `node-${z}`, resources: { cpu: '32', memory: '128Gi', 'nvidia.com/gpu': '4' } }))) }
          : {}),
      },
    },
    spec: { podCIDR: `10.${Math.floor(i / 250)}.${i % 250}.0/24`, providerID: `aws:///eu-west-1a/i-${String(i).padStart(17, '0')}` },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({ type, status: 'False', reason: `KubeletHasNo${type}`, message: `kubelet has no ${type}`, lastHeartbeatTime: new Date(), lastTransitionTime: new Date() })).concat([{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }]),
      addresses: [
        { type: 'InternalIP', address: `192.168.${Math.floor(i / 250)}.${i % 250}` },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { machineID: 'ec2' + 'a'.repeat(29), systemUUID: 'ec2' + 'b'.repeat(33), bootID: 'c'.repeat(36), kernelVersion: '6.1.0-18-cloud-amd64', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'containerd://2.0.4', kubeletVersion: 'v1.35.4', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
      images: Array.from({ length: 40 }, (_, k) => ({ names: [`registry.example.com/team-${k % 7}/image-${k}@sha256:${String(k).padStart(64, 'f')}`, `registry.example.com/team-${k % 7}/image-${k}:v1.${k}.0`], sizeBytes: 100_000_000 + k })),
    },
  };
}

const envs = (n: number, prefix: string): { name: string; value: string }[] => Array.from({ length: n }, (_, k) => ({ name: `${prefix}_${k}`, value: `value-${k}-${'x'.repeat(24)}` }));

export function sparkPod(ns: string, app: number, role: 'driver' | 'executor', k: number, node: string): V1Pod {
  const id = `spark-${String(app).padStart(5, '0')}-${'abcdef0123456789'.slice(0, 8)}`;
  const name = role === 'driver' ? `${id}-driver` : `${id}-exec-${k}`;
  const container = role === 'driver' ? 'spark-kubernetes-driver' : 'spark-kubernetes-executor';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: {
        'spark-app-selector': `spark-${'0'.repeat(24)}${app}`,
        'spark-app-name': id,
        'spark-role': role,
        'spark-version': '3.5.1',
        ...(role === 'executor' ? { 'spark-exec-id': String(k), 'spark-exec-resourceprofile-id': '0' } : {}),
        'pod-group.scheduling.kubenexus.io/name': id,
        'pod-group.scheduling.kubenexus.io/min-available': '11',
      },
      annotations: { 'gangplank.io/gang': `${ns}/${id}`, 'gangplank.io/slot': role === 'driver' ? 'driver' : `e${k}` },
      ...(role === 'executor' ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: `${id}-driver`, uid: '00000000-0000-0000-0000-000000000000', controller: true }] } : {}),
    },
    spec: {
      nodeName: node,
      schedulerName: 'gangplank-scheduler',
      restartPolicy: 'Never',
      serviceAccountName: 'spark',
      hostname: name.slice(0, 63),
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: container,
          image: 'registry.example.com/spark/spark-py:3.5.1-scala2.12-java17-python3-ubuntu',
          imagePullPolicy: 'IfNotPresent',
          args: role === 'driver' ? ['driver', '--properties-file', '/opt/spark/conf/spark.properties', '--class', 'org.apache.spark.deploy.PythonRunner', 'local:///opt/app/job.py'] : ['executor'],
          env: [
            { name: 'SPARK_USER', value: 'etl' },
            { name: 'SPARK_APPLICATION_ID', value: `spark-${'0'.repeat(24)}${app}` },
            { name: 'SPARK_DRIVER_BIND_ADDRESS', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
            { name: 'SPARK_LOCAL_DIRS', value: '/var/data/spark-local-1' },
            { name: 'SPARK_CONF_DIR', value: '/opt/spark/conf' },
            ...envs(role === 'driver' ? 10 : 16, 'SPARK_JAVA_OPT'),
          ],
          ports: role === 'driver' ? [{ name: 'driver-rpc-port', containerPort: 7078 }, { name: 'blockmanager', containerPort: 7079 }, { name: 'spark-ui', containerPort: 4040 }] : [{ name: 'blockmanager', containerPort: 7079 }],
          resources: { requests: { cpu: '4', memory: '18022Mi' }, limits: { cpu: '4', memory: '18022Mi' } },
          volumeMounts: [
            { name: 'spark-local-dir-1', mountPath: '/var/data/spark-local-1' },
            { name: 'spark-conf-volume', mountPath: '/opt/spark/conf' },
            { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
          ],
          securityContext: { runAsUser: 185, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
      volumes: [
        { name: 'spark-local-dir-1', emptyDir: {} },
        { name: 'spark-conf-volume', configMap: { name: `spark-drv-${app}-conf-map`, defaultMode: 420 } },
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
    },
  };
}

export function deploymentPod(ns: string, i: number, node: string): V1Pod {
  const app = `svc-${i % 200}`;
  const name = `${app}-7d9f8b6c5d-${String(i).padStart(5, '0')}`;
  const template = { app, tier: 'backend', 'pod-template-hash': '7d9f8b6c5d' };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: template,
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns, labels: template }, spec: { replicas: 3, template: { metadata: { labels: template }, spec: { containers: [{ name: 'app', image: `registry.example.com/${app}:1.0`, env: envs(8, 'APP') }] } } } }),
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9102',
      },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-7d9f8b6c5d`, uid: '11111111-1111-1111-1111-111111111111', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: node,
      serviceAccountName: 'default',
      containers: [
        {
          name: 'app',
          image: `registry.example.com/${app}:1.0`,
          env: envs(8, 'APP'),
          ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9102 }],
          resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
          livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
          readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 5 },
          volumeMounts: [{ name: 'config', mountPath: '/etc/app' }, { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.31.0', resources: { requests: { cpu: '100m', memory: '128Mi' } }, ports: [{ containerPort: 15001 }] },
      ],
      volumes: [
        { name: 'config', configMap: { name: `${app}-config` } },
        { name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } },
      ],
    },
  };
}

/** What a kubelet writes to a running pod's status. */
export function runningStatus(p: V1Pod, i: number): Record<string, unknown> {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, i % 3600)).toISOString();
  return {
    status: {
      phase: 'Running',
      hostIP: '192.168.0.1',
      hostIPs: [{ ip: '192.168.0.1' }],
      podIP: `10.1.${Math.floor(i / 250) % 250}.${i % 250}`,
      podIPs: [{ ip: `10.1.${Math.floor(i / 250) % 250}.${i % 250}` }],
      startTime: t,
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: t })),
      containerStatuses: (p.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image,
        imageID: `${c.image}@sha256:${'e'.repeat(64)}`,
        containerID: `containerd://${'d'.repeat(64)}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: t } },
      })),
    },
  };
}

async function createCluster(client: KubeClient, log: (m: string) => void): Promise<{ bytes: number }> {
  const t0 = Date.now();
  await pool(Array.from({ length: NODES }, (_, i) => i), CONCURRENCY, async (i) => {
    await client.request({ method: 'POST', path: '/api/v1/nodes', body: realisticNode(i) });
  });
  log(`${NODES} nodes created in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  for (let n = 0; n < NAMESPACES; n++) await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `team-${n}` } } });
  // Three in five pods are Spark (apps of a driver and 10 executors), the rest Deployment pods.
  const pods: V1Pod[] = [];
  for (let i = 0; i < PODS; i++) {
    const ns = `team-${i % NAMESPACES}`;
    const node = `node-${String(i % NODES).padStart(5, '0')}`;
    if (i % 5 < 3) {
      const app = Math.floor(i / 11);
      const k = i % 11;
      pods.push(sparkPod(ns, app, k === 0 ? 'driver' : 'executor', k, node));
    } else {
      pods.push(deploymentPod(ns, i, node));
    }
  }
  let bytes = 0;
  const t1 = Date.now();
  let done = 0;
  await pool(pods, CONCURRENCY, async (p, i) => {
    const ns = p.metadata?.namespace as string;
    await client.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: p }).catch((err: unknown) => {
      // Names repeat across the Spark/Deployment mix only by mistake; a conflict would undercount.
      throw new Error(`create ${ns}/${p.metadata?.name}: ${String(err)}`);
    });
    const st = await client.request<V1Pod>({ method: 'PATCH', path: `/api/v1/namespaces/${ns}/pods/${p.metadata?.name}/status`, patchType: 'merge', body: runningStatus(p, i) });
    bytes += JSON.stringify(st).length;
    if (++done % 10_000 === 0) log(`${done} pods created and running (${((Date.now() - t1) / 1000).toFixed(0)} s)`);
  });
  log(`${PODS} pods created in ${((Date.now() - t1) / 1000).toFixed(0)} s; mean ${(bytes / PODS / 1024).toFixed(1)} KiB of JSON per pod as the API server returns it`);
  return { bytes };
}

interface Sample {
  readonly ms: number;
  readonly rss: number;
}

interface Measured {
  readonly label: string;
  readonly hwm: number;
  readonly settled: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly readyMs: number;
  readonly syncedMs: number;
  readonly cpu: number;
}

/**
 * Variants measured after the extender as the chart runs it: Gangplank's
 * own flags (after the chart's) and Node.js flags.
 */
const VARIANTS: readonly { readonly label: string; readonly gangplank: readonly string[]; readonly node: readonly string[] }[] = [
  { label: "V8's own heap growing factor (`--heap-growing-percent=0`)", gangplank: ['--heap-growing-percent=0'], node: [] },
  { label: 'the chart\'s, with `node --max-semi-space-size=8`', gangplank: [], node: ['--max-semi-space-size=8'] },
];

export async function memoryBenchmark(): Promise<void> {
  const root = repoRoot();
  process.env.GANGPLANK_KUBE ??= '1.35';
  const dir = mkdtempSync(join(tmpdir(), 'gangplank-bench-memory-'));
  const log = (m: string): void => console.log(`  ${m}`);
  const tAll = Date.now();
  // Read by the harness at each start of a Gangplank process: the second measurement adds a flag.
  const nodeArgs: string[] = process.env.GANGPLANK_BENCH_HEAP_SNAPSHOT ? ['--heapsnapshot-signal=SIGUSR2'] : [];
  const gangplankArgs: string[] = [];
  const cluster = await startLocalCluster({
    kcp: kcpPath(root),
    helm: helmPath(root),
    dir,
    gangplankConfig: { schedulerName: 'gangplank-scheduler', schedulerNameAliases: ['kubenexus-scheduler'], extender: { cacheStaleSeconds: 3600 } },
    gangplankLogLevel: 'info',
    log,
    // GANGPLANK_BENCH_HEAP_SNAPSHOT=1: the extender writes a heap snapshot into its working directory after a measurement (SIGUSR2).
    gangplankNodeArgs: nodeArgs,
    gangplankArgs,
  });
  try {
    const client = cluster.plane.client;
    // Only the extender is measured: nothing schedules (the pods are created bound) and nothing is admitted.
    await cluster.plane.stopScheduler('default-scheduler');
    await cluster.stopGangplankScheduler();
    await cluster.stopGangplank('SIGTERM', 'all');
    for (const o of cluster.objects.filter((x) => x.kind === 'MutatingWebhookConfiguration')) {
      await client.request({ method: 'DELETE', path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${o.metadata.name}` });
    }
    const { bytes } = await createCluster(client, log);

    /** The extender as the chart runs it, started now, so its initial LIST is of the whole cluster. */
    const measure = async (label: string): Promise<Measured> => {
      const t0 = performance.now();
      await cluster.startGangplank('extender');
      const readyMs = performance.now() - t0;
      const pid = cluster.process('extender')?.pid as number;
      const samples: Sample[] = [];
      const tSettle = performance.now();
      while (performance.now() - tSettle < SETTLE_MS) {
        const m = memory(pid);
        if (m) samples.push({ ms: performance.now() - t0, rss: m.rss });
        await sleep(50);
      }
      const mem = memory(pid);
      const cpu = cpuSeconds(pid) ?? 0;
      if (process.env.GANGPLANK_BENCH_HEAP_SNAPSHOT) {
        process.kill(pid, 'SIGUSR2');
        await sleep(20_000);
      }
      const metrics = (await cluster.ops('/metrics')).body;
      const startLog = cluster.process('extender')?.logFile ?? '';
      const synced = execFileSync('grep', ['-m1', 'caches synced and ledger restored', startLog], { encoding: 'utf8' }).trim();
      await cluster.stopGangplank('SIGTERM', 'extender');
      const m: Measured = {
        label,
        hwm: mem?.hwm ?? 0,
        settled: samples.at(-1)?.rss ?? 0,
        heapUsed: Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? NaN),
        external: Number(/^nodejs_external_memory_bytes (\S+)$/m.exec(metrics)?.[1] ?? NaN),
        readyMs,
        syncedMs: Number(/"ms":(\d+)/.exec(synced)?.[1] ?? NaN),
        cpu,
      };
      log(`${label}: peak ${mib(m.hwm)} MiB, settled ${mib(m.settled)} MiB, heap ${mib(m.heapUsed)} MiB, ready in ${(readyMs / 1000).toFixed(1)} s`);
      return m;
    };
    const results = [await measure('as the chart runs it (`node dist/src/main.js extender …`)')];
    const base = [...nodeArgs];
    for (const v of VARIANTS) {
      nodeArgs.splice(0, nodeArgs.length, ...base, ...v.node);
      gangplankArgs.splice(0, gangplankArgs.length, ...v.gangplank);
      results.push(await measure(v.label));
    }

    const lines = [
      '## Extender memory: 5,000 nodes and 50,000 pods through the API server',
      '',
      '```',
      'npm run bench -- memory      # tsc -p tsconfig.bench.json && node dist/bench/run.js memory',
      '```',
      '',
      `- date: ${new Date().toISOString()}; whole run ${((Date.now() - tAll) / 1000).toFixed(0)} s; Kubernetes ${cluster.plane.version}; machine: \`nproc\` = ${cpus().length} (${cpus()[0]?.model ?? '?'}), node ${process.version}`,
      `- ${NODES.toLocaleString('en')} nodes as a kubelet reports them (labels, conditions, addresses, system info, 40 images; every 25th a GPU node with a NUMA annotation) and ${PODS.toLocaleString('en')} pods created through kube-apiserver, all bound and Running with container statuses (status subresource), in ${NAMESPACES} namespaces: 60 % Spark drivers and executors as spark-submit creates them (21 env variables, three volumes and mounts, ports, a security context, owner references, gang labels and bind annotations), 40 % Deployment pods (kubectl's last-applied-configuration, probes, a sidecar). The API server returns ${(bytes / PODS / 1024).toFixed(1)} KiB of JSON per pod on average (managedFields included).`,
      "- then the extender started as the chart's scheduler pod runs it (the chart's arguments and ServiceAccount; Gangplank sets V8's `--heap-growing-percent=50` itself, its `--heap-growing-percent` flag), then once with each variant below; RSS from /proc/PID/status: VmHWM is the peak since the process started, the initial LIST included; heap figures from its /metrics.",
      '',
      '| extender | peak RSS (VmHWM), start-up included | RSS 20 s after ready | V8 heap used / external | start → /readyz | caches synced and ledger restored | CPU s |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...results.map((m) => `| ${m.label} | **${mib(m.hwm)} MiB** | ${mib(m.settled)} MiB | ${mib(m.heapUsed)} / ${mib(m.external)} MiB | ${(m.readyMs / 1000).toFixed(1)} s | ${(m.syncedMs / 1000).toFixed(1)} s | ${m.cpu.toFixed(1)} |`),
      '',
      'Goal: ≤ 256 MiB peak.',
    ];
    const text = lines.join('\n');
    console.log(text);
    if (!process.env.GANGPLANK_BENCH_NO_WRITE) replaceSection('## Extender memory: 5,000 nodes and 50,000 pods through the API server', text);
  } finally {
    await cluster.stop();
  }
}
