// Issue 8's "done when" on the real control plane: a spark-submit app whose
// executors are set only by --conf flags is placed whole, with no profile
// help; an off-heap app's executors land in slots sized for their real
// requests. Objects are created exactly as spark-submit creates them: the
// driver pod first (Spark's labels only), then its spark-drv-…-conf-map
// ConfigMap owned by the driver; executors only after the driver is bound,
// owned by it, with the requests Spark computes. Scenario IDs (A01, A02):
// src/gang/TESTS.md.
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { makePod } from '../support/pod.js';
import { submitConfigMap, submitDriver, type SubmitSpec } from '../support/spark-submit.js';
import { useLocalCluster, type E2E } from './support/cluster.js';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/spark-submit-conf.yaml');
const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; ownerReferences?: unknown[] } } & Record<string, unknown>;

/** The example's namespaced objects, moved to `ns`. */
function exampleObjects(ns: string): Doc[] {
  return parseAllDocuments(readFileSync(EXAMPLE, 'utf8'))
    .map((d) => d.toJS() as Doc)
    .filter((d) => d.kind !== 'Namespace')
    .map((d) => {
      const text = JSON.stringify(d).replaceAll('spark-conf-demo', ns);
      return JSON.parse(text) as Doc;
    });
}

const PATHS: Record<string, (ns: string) => string> = {
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  Pod: (ns) => `/api/v1/namespaces/${ns}/pods`,
  ConfigMap: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  Service: (ns) => `/api/v1/namespaces/${ns}/services`,
};

async function create<T>(e2e: E2E, doc: Doc): Promise<T> {
  const path = PATHS[doc.kind];
  if (!path) throw new Error(`no path for ${doc.kind}`);
  return e2e.client().request<T>({ method: 'POST', path: path(doc.metadata.namespace ?? 'default'), body: doc });
}

/** The owner reference spark-submit puts on the driver's ConfigMap and Service. */
function ownedBy(doc: Doc, driver: V1Pod): Doc {
  return { ...doc, metadata: { ...doc.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: driver.metadata?.name, uid: driver.metadata?.uid, controller: true }] } };
}

/** An executor pod as the running driver creates it (BasicExecutorFeatureStep): owned by the driver, no gang labels. */
function sparkExecutor(driver: V1Pod, prefix: string, id: number, requests: { cpu: string; memory: string }): V1Pod {
  const dl = driver.metadata?.labels ?? {};
  const pod = makePod(`${prefix}-exec-${id}`)
    .ns(driver.metadata?.namespace ?? 'default')
    .labels({ 'spark-app-selector': dl['spark-app-selector'] ?? '', 'spark-app-name': dl['spark-app-name'] ?? '', 'spark-version': dl['spark-version'] ?? '', 'spark-exec-resourceprofile-id': '0' })
    .role('executor')
    .executorOf(driver.metadata?.name ?? '', driver.metadata?.uid ?? '', id)
    .args('executor')
    .env('SPARK_EXECUTOR_ID', String(id))
    .env('SPARK_APPLICATION_ID', dl['spark-app-selector'] ?? '')
    .requests(requests)
    .limits({ memory: requests.memory })
    .obj();
  pod.spec!.restartPolicy = 'Never';
  return pod;
}

interface RecordSlot {
  role: string;
  node: string;
  requests: Record<string, string>;
}

function gangRecord(driver: V1Pod): { slots: RecordSlot[]; sources?: { count: string; resources: string } } {
  const raw = driver.metadata?.annotations?.['gangplank.io/gang-record'];
  if (!raw) throw new Error(`driver ${driver.metadata?.name} has no gangplank.io/gang-record`);
  return JSON.parse(raw) as { slots: RecordSlot[]; sources?: { count: string; resources: string } };
}

async function staysPending(e2e: E2E, ns: string, name: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    expect((await e2e.getPod(ns, name)).spec?.nodeName, `${ns}/${name} must stay pending`).toBeFalsy();
    await sleep(250);
  }
}

describe('spark-submit apps on the real kube-scheduler, executors from spark.properties only', () => {
  // No profile sets an executor count or shape: only Spark's own configuration tells them.
  const e2e = useLocalCluster({ gangplankConfig: { profiles: [{ name: 'default', match: {} }], extender: { sparkConfigWaitSeconds: 5 } } });

  it('A01 places examples/spark-submit-conf.yaml whole: 4 executors of 2 cpu reserved with the driver, all bound there, a pod of another namespace kept out', async () => {
    const ns = await e2e.namespace('conf');
    const others = await e2e.namespace('other');
    // Room for exactly the driver (1 cpu) and 4 executors of 2 cpu: 2 + 2 + 1 on one node, 2 + 2 (+1 spare) on the other.
    await e2e.nodes('2x cpu=5,memory=16Gi,pods=20');
    const objects = exampleObjects(ns);
    const byKind = (kind: string): Doc => objects.find((o) => o.kind === kind) as Doc;
    await create(e2e, byKind('ServiceAccount'));
    await create(e2e, byKind('RoleBinding'));
    // spark-submit: the driver pod first, then its ConfigMap and Service, owned by it.
    const driver = await create<V1Pod>(e2e, byKind('Pod'));
    await create(e2e, ownedBy(byKind('ConfigMap'), driver));
    await create(e2e, ownedBy(byKind('Service'), driver));

    // The webhook could not know N or the shape: it wrote neither, only the scheduler and the gang name.
    expect(driver.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(driver.metadata?.labels?.['pod-group.scheduling.kubenexus.io/name']).toBe('spark-pi-conf-4b7e2a9c');
    expect(driver.metadata?.annotations?.['gangplank.io/executor-count']).toBeUndefined();
    expect(driver.metadata?.annotations?.['gangplank.io/executor-resources']).toBeUndefined();
    expect(driver.metadata?.labels?.['pod-group.scheduling.kubenexus.io/min-available']).toBeUndefined();

    const name = driver.metadata?.name ?? '';
    const running = await e2e.waitForPod(ns, name, 'to be bound with room for its executors', bound, 60_000);
    const record = gangRecord(await e2e.getPod(ns, name));
    const slots = record.slots.filter((s) => s.role === 'executor');
    expect(slots).toHaveLength(4);
    for (const s of slots) expect(s.requests).toEqual({ cpu: '2', memory: '1408Mi', pods: '1' });
    expect(record.sources).toEqual({ count: 'spark-properties', resources: 'spark-properties' });
    const reserved = slots.map((s) => s.node).sort();
    let reservedEvent = '';
    for (let i = 0; i < 40 && !reservedEvent; i++) {
      reservedEvent = (await e2e.events(ns, name)).find((e) => e.reason === 'GangReserved')?.message ?? '';
      if (!reservedEvent) await sleep(250);
    }
    expect(reservedEvent).toMatch(/4 executors of \{cpu 2, memory 1408Mi\} \(N and executor shape from spark-properties\)/);

    // Another team's pod wants 2 cpu: the only room left is the executors'.
    await e2e.createPod(makePod('intruder').ns(others).scheduler('gangplank-scheduler').requests({ cpu: '2', memory: '1Gi' }).obj());
    await staysPending(e2e, others, 'intruder', 2_000);

    // The running driver creates its 4 executors, as Spark does (cpu 2, memory 1g + 384Mi).
    const prefix = 'spark-pi-conf-6a1f3c8e2b9d7e04';
    for (let i = 1; i <= 4; i++) await e2e.createPod(sparkExecutor(running, prefix, i, { cpu: '2', memory: '1408Mi' }));
    const nodes: string[] = [];
    for (let i = 1; i <= 4; i++) nodes.push((await e2e.waitForPod(ns, `${prefix}-exec-${i}`, 'to be bound into its reservation', bound, 60_000)).spec?.nodeName ?? '');
    expect(nodes.sort()).toEqual(reserved);
    for (let i = 1; i <= 4; i++) {
      const e = await e2e.getPod(ns, `${prefix}-exec-${i}`);
      expect(e.metadata?.labels?.['pod-group.scheduling.kubenexus.io/name']).toBe('spark-pi-conf-4b7e2a9c');
      // The webhook read N from the driver's plan: 1 driver + 4 executors.
      expect(e.metadata?.labels?.['pod-group.scheduling.kubenexus.io/min-available']).toBe('5');
    }
    expect((await e2e.getPod(others, 'intruder')).spec?.nodeName).toBeFalsy();
  });

  it('A02 sizes an off-heap app\'s slots for its executors\' real requests (4g + 409Mi overhead + 1g off-heap = 5529Mi)', async () => {
    const ns = await e2e.namespace('offheap');
    const others = await e2e.namespace('other');
    // One node with exactly the driver (1408Mi) and 2 executors of 5529Mi: 12466Mi.
    await e2e.nodes('1x cpu=3,memory=12466Mi,pods=20');
    const spec: SubmitSpec = {
      ns,
      app: 'offheap',
      selector: 'spark-9a8b7c6d5e4f30211203f4e5d6c7b8a9',
      hash: '1f2e3d4c5b6a7980',
      conf: { 'spark.executor.instances': '2', 'spark.executor.memory': '4g', 'spark.memory.offHeap.enabled': 'true', 'spark.memory.offHeap.size': '1g' },
    };
    const driver = await e2e.createPod(submitDriver(spec));
    await e2e.client().request<V1ConfigMap>({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: submitConfigMap(spec, driver) });
    const running = await e2e.waitForPod(ns, 'offheap-driver', 'to be bound', bound, 60_000);
    const slots = gangRecord(await e2e.getPod(ns, 'offheap-driver')).slots.filter((s) => s.role === 'executor');
    expect(slots.map((s) => s.requests)).toEqual([
      { cpu: '1', memory: '5529Mi', pods: '1' },
      { cpu: '1', memory: '5529Mi', pods: '1' },
    ]);
    // Slots of heap + overhead only (4505Mi) would leave 2Gi unreserved for this pod, and the executors short.
    await e2e.createPod(makePod('squatter').ns(others).scheduler('gangplank-scheduler').requests({ cpu: '100m', memory: '1Gi' }).obj());
    await staysPending(e2e, others, 'squatter', 2_000);
    for (let i = 1; i <= 2; i++) await e2e.createPod(sparkExecutor(running, 'offheap-0a1b2c3d4e5f6a7b', i, { cpu: '1', memory: '5529Mi' }));
    for (let i = 1; i <= 2; i++) await e2e.waitForPod(ns, `offheap-0a1b2c3d4e5f6a7b-exec-${i}`, 'to be bound into its reservation', bound, 60_000);
    expect((await e2e.getPod(others, 'squatter')).spec?.nodeName).toBeFalsy();
  });
});
