// The demo scenario: a Spark application submitted the way spark-submit
// does it (the driver pod first; executor pods created by the driver once it
// runs, owned by it), then a printout of where each pod landed.
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../../src/k8s/client.js';
import { waitFor } from './process.js';

export interface DemoOptions {
  readonly namespace: string;
  readonly appName: string;
  readonly executors: number;
  readonly log: (msg: string) => void;
}

const sparkLabels = (app: string, selector: string, role: 'driver' | 'executor'): Record<string, string> => ({
  'spark-app-name': app,
  'spark-app-selector': selector,
  'spark-role': role,
  'spark-version': '3.5.0',
});

/** The driver pod as spark-submit creates it in cluster mode (no scheduler or gang set by the user). */
export function sparkDriverPod(ns: string, app: string, selector: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-driver`,
      namespace: ns,
      labels: sparkLabels(app, selector, 'driver'),
    },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'spark-kubernetes-driver',
          image: 'apache/spark:3.5.0',
          args: ['driver', '--properties-file', '/opt/spark/conf/spark.properties', '--class', 'org.apache.spark.examples.SparkPi'],
          env: [{ name: 'SPARK_APPLICATION_ID', value: selector }],
          resources: { requests: { cpu: '1', memory: '1408Mi' }, limits: { memory: '1408Mi' } },
        },
      ],
    },
  };
}

/** An executor pod as the running driver creates it: owned by the driver pod. */
export function sparkExecutorPod(driver: V1Pod, app: string, selector: string, id: number): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-exec-${id}`,
      namespace: driver.metadata?.namespace,
      labels: { ...sparkLabels(app, selector, 'executor'), 'spark-exec-id': String(id), 'spark-exec-resourceprofile-id': '0' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: driver.metadata?.name ?? '', uid: driver.metadata?.uid ?? '', controller: true }],
    },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'spark-kubernetes-executor',
          image: 'apache/spark:3.5.0',
          args: ['executor'],
          resources: { requests: { cpu: '1', memory: '1408Mi' }, limits: { memory: '1408Mi' } },
        },
      ],
    },
  };
}

export async function runSparkDemo(client: KubeClient, opts: DemoOptions): Promise<V1Pod[]> {
  const { namespace: ns, appName: app, executors, log } = opts;
  const selector = `spark-${Date.now().toString(16)}`;
  await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } }).catch(() => undefined);
  log(`submitting ${app}: 1 driver + ${executors} executors (cpu 1, memory 1408Mi each) in namespace ${ns}`);
  const driver = await client.request<V1Pod>({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: sparkDriverPod(ns, app, selector) });
  const podPath = (name: string): string => `/api/v1/namespaces/${ns}/pods/${name}`;
  let bound: V1Pod = driver;
  await waitFor(
    `driver ${driver.metadata?.name} to be bound`,
    async () => {
      bound = await client.request<V1Pod>({ path: podPath(driver.metadata?.name ?? '') });
      return Boolean(bound.spec?.nodeName);
    },
    60_000,
  );
  log(`driver bound to ${bound.spec?.nodeName}; the driver now creates its executors`);
  for (let i = 1; i <= executors; i++) {
    await client.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: sparkExecutorPod(bound, app, selector, i) });
  }
  const names = [bound.metadata?.name ?? '', ...Array.from({ length: executors }, (_, i) => `${app}-exec-${i + 1}`)];
  await waitFor(
    'executors to be bound',
    async () => {
      const pods = await Promise.all(names.map((n) => client.request<V1Pod>({ path: podPath(n) })));
      return pods.every((p) => Boolean(p.spec?.nodeName));
    },
    60_000,
  );
  return Promise.all(names.map((n) => client.request<V1Pod>({ path: podPath(n) })));
}

/**
 * A driver asking for more executors than the cluster can hold, as
 * spark-submit sends it with `--conf spark.kubernetes.driver.annotation.gangplank.io/executor-count=N`:
 * it must wait whole, and its FailedScheduling event says why, with numbers.
 */
export async function runOversizedDemo(client: KubeClient, opts: DemoOptions): Promise<string> {
  const { namespace: ns, appName: app, executors, log } = opts;
  const pod = sparkDriverPod(ns, app, `spark-${Date.now().toString(16)}`);
  pod.metadata = { ...pod.metadata, annotations: { 'gangplank.io/executor-count': String(executors) } };
  log(`submitting ${app}: 1 driver + ${executors} executors, more than the cluster holds`);
  await client.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod });
  let message = '';
  await waitFor(
    `a FailedScheduling event on ${app}-driver`,
    async () => {
      const events = await client.request<{ items: { reason?: string; message?: string }[] }>({
        path: `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${app}-driver`)}`,
      });
      message = events.items.find((e) => e.reason === 'FailedScheduling')?.message ?? '';
      return message !== '';
    },
    30_000,
  );
  return message;
}

/** A table of pods: name, role, node, scheduler, gang, NUMA zone. */
export function placementTable(pods: readonly V1Pod[]): string {
  const rows = [['POD', 'ROLE', 'NODE', 'SCHEDULER', 'GANG', 'MIN', 'NUMA-ZONE']];
  for (const p of pods) {
    const l = p.metadata?.labels ?? {};
    const a = p.metadata?.annotations ?? {};
    rows.push([
      p.metadata?.name ?? '',
      l['spark-role'] ?? '-',
      p.spec?.nodeName ?? '<pending>',
      p.spec?.schedulerName ?? '',
      l['pod-group.scheduling.kubenexus.io/name'] ?? '-',
      l['pod-group.scheduling.kubenexus.io/min-available'] ?? '-',
      a['gangplank.io/numa-zone'] ?? '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
