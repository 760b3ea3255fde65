// The pods of the scheduler benchmark, one shape for every system under
// test so that only the scheduling differs:
//   - stock: kube-scheduler's default configuration, no gang at all;
//   - intree: the same kube-scheduler with GenericWorkload + GangScheduling,
//     gangs as scheduling.k8s.io/v1alpha1 Workloads (Kubernetes 1.35: a
//     Workload's spec.podGroups[].policy.gang.minCount, pods point at it with
//     spec.workloadRef {name, podGroup});
//   - gangplank: the chart's scheduler configuration and Gangplank's extender,
//     gangs by the seeds' labels (co-created) or as Spark driver-led gangs.
// Every pod requests {cpu 1, memory 1Gi} and is held to one node pool by a
// nodeSelector.
import type { V1Pod } from '@kubernetes/client-node';

/**
 * Besides the three systems compared, two that take Gangplank's scheduler
 * apart for plain pods: stock100 (the stock scheduler scoring every node, as
 * the chart's configuration asks) and nullext (the chart's configuration
 * with a do-nothing extender, bench/null-extender.ts).
 */
export type System = 'stock' | 'intree' | 'gangplank' | 'stock100' | 'nullext';

export const SCHEDULER_NAME: Readonly<Record<System, string>> = {
  stock: 'stock-scheduler',
  intree: 'intree-scheduler',
  gangplank: 'gangplank-scheduler',
  stock100: 'stock100-scheduler',
  nullext: 'nullext-scheduler',
};

export const POOL_LABEL = 'bench.gangplank.io/pool';
export const POD_REQUESTS = { cpu: '1', memory: '1Gi' } as const;

/** A scheduling.k8s.io/v1alpha1 Workload with one gang pod group (Kubernetes 1.35). */
export interface Workload {
  readonly apiVersion: 'scheduling.k8s.io/v1alpha1';
  readonly kind: 'Workload';
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { readonly podGroups: readonly { readonly name: string; readonly policy: { readonly gang: { readonly minCount: number } } }[] };
}

export const WORKLOADS_PATH = (ns: string): string => `/apis/scheduling.k8s.io/v1alpha1/namespaces/${ns}/workloads`;

export function workload(ns: string, name: string, podGroup: string, minCount: number): Workload {
  return { apiVersion: 'scheduling.k8s.io/v1alpha1', kind: 'Workload', metadata: { name, namespace: ns }, spec: { podGroups: [{ name: podGroup, policy: { gang: { minCount } } }] } };
}

function pod(system: System, ns: string, name: string, pool: string, container = 'main'): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: 'bench' }, annotations: {} },
    spec: {
      schedulerName: SCHEDULER_NAME[system],
      terminationGracePeriodSeconds: 0,
      nodeSelector: { [POOL_LABEL]: pool },
      containers: [{ name: container, image: 'registry.k8s.io/pause:3.10', resources: { requests: { ...POD_REQUESTS } } }],
    },
  };
}

export function plainPod(system: System, ns: string, name: string, pool: string): V1Pod {
  return pod(system, ns, name, pool);
}

/** One member of a co-created gang of `size` (the in-tree system also needs `workload(ns, gang, 'members', size)`). */
export function gangMember(system: System, ns: string, gang: string, i: number, size: number, pool: string): V1Pod {
  const p = pod(system, ns, `${gang}-${i}`, pool);
  if (system === 'gangplank') {
    p.metadata!.labels = { ...p.metadata!.labels, 'pod-group.scheduling.kubenexus.io/name': gang, 'pod-group.scheduling.kubenexus.io/min-available': String(size) };
  }
  if (system === 'intree') (p.spec as V1Pod['spec'] & { workloadRef?: unknown }).workloadRef = { name: gang, podGroup: 'members' };
  return p;
}

/**
 * A Spark driver as spark-submit creates it (Spark's labels and container
 * name, so it goes through Gangplank's webhook whatever its scheduler), with
 * the user's statement of N executors of {cpu 1, memory 1Gi}. Only Gangplank
 * gangs a driver with executors that do not exist yet; in-tree, the
 * executors alone form the gang (`workload(ns, app, 'executors', N)`).
 */
export function sparkDriver(system: System, ns: string, app: string, executors: number, pool: string): V1Pod {
  const p = pod(system, ns, `${app}-driver`, pool, 'spark-kubernetes-driver');
  p.metadata!.labels = { ...p.metadata!.labels, 'spark-role': 'driver', 'spark-app-selector': `sel-${app}`, 'spark-app-name': app };
  p.metadata!.annotations = { 'gangplank.io/executor-count': String(executors), 'gangplank.io/executor-resources': JSON.stringify(POD_REQUESTS) };
  return p;
}

/** Executor `i` of a bound driver, as Spark's driver creates it (ownerReference to the driver). */
export function sparkExecutor(system: System, ns: string, app: string, driver: { name: string; uid: string }, i: number, pool: string): V1Pod {
  const p = pod(system, ns, `${app}-exec-${i}`, pool, 'spark-kubernetes-executor');
  p.metadata!.labels = { ...p.metadata!.labels, 'spark-role': 'executor', 'spark-app-selector': `sel-${app}`, 'spark-app-name': app, 'spark-exec-id': String(i) };
  p.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'Pod', name: driver.name, uid: driver.uid, controller: true }];
  if (system === 'intree') (p.spec as V1Pod['spec'] & { workloadRef?: unknown }).workloadRef = { name: app, podGroup: 'executors' };
  return p;
}
