// Finding an executor's driver among the driver pods the webhook caches.
// Spark's ExecutorPodsAllocator gives every executor an ownerReference to its
// driver pod (cluster mode, where the driver is a pod); the ownerReference's
// uid tells a driver apart from an older pod of the same name. Executors with
// no ownerReference (a driver outside the cluster, Spark's client mode) are
// matched by spark-app-selector, the application id both roles carry, when
// exactly one cached driver in the namespace has it.
import type { V1Pod } from '@kubernetes/client-node';
import type { ObjectCache } from '../k8s/cache.js';
import { SPARK_APP_SELECTOR } from '../contract/keys.js';

export function findDriver(executor: V1Pod, namespace: string | undefined, drivers: ObjectCache<V1Pod> | undefined): V1Pod | undefined {
  if (!drivers || !namespace) return undefined;
  const owner = (executor.metadata?.ownerReferences ?? []).find((o) => o.kind === 'Pod' && o.apiVersion === 'v1');
  if (owner) {
    const d = drivers.get(owner.name, namespace);
    return d && (d.metadata?.uid === undefined || d.metadata.uid === owner.uid) ? d : undefined;
  }
  const selector = executor.metadata?.labels?.[SPARK_APP_SELECTOR];
  if (selector === undefined || selector === '') return undefined;
  const matches = drivers.list(namespace).filter((d) => d.metadata?.labels?.[SPARK_APP_SELECTOR] === selector);
  return matches.length === 1 ? matches[0] : undefined;
}
