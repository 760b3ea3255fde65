// What the webhook reads from spark-operator's SparkApplication
// (sparkoperator.k8s.io/v1beta2): executor count and shape, and the
// executors' placement. Only the fields used here are typed; the object comes
// from an informer cache as plain JSON.
import type { V1Affinity, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { OPERATOR_APP_NAME } from '../contract/keys.js';
import type { SparkConf } from '../contract/spark-conf.js';
import { K, type AppType } from '../contract/spark-resources.js';
import type { ObjectCache } from '../k8s/cache.js';

export interface SparkApplicationPodSpec {
  cores?: number;
  coreRequest?: string;
  coreLimit?: string;
  memory?: string;
  memoryOverhead?: string;
  instances?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  gpu?: { name?: string; quantity?: number };
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  schedulerName?: string;
}

export interface SparkApplication {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string> };
  spec?: {
    type?: 'Java' | 'Scala' | 'Python' | 'R' | string;
    sparkConf?: Record<string, string>;
    memoryOverheadFactor?: string;
    nodeSelector?: Record<string, string>;
    driver?: SparkApplicationPodSpec;
    executor?: SparkApplicationPodSpec;
    dynamicAllocation?: { enabled?: boolean; initialExecutors?: number; minExecutors?: number; maxExecutors?: number };
  };
}

/**
 * The SparkApplication that owns a pod: by ownerReference when the operator
 * set one, else by the sparkoperator.k8s.io/app-name label in the pod's namespace.
 */
export function owningSparkApplication(pod: V1Pod, namespace: string | undefined, apps: ObjectCache<SparkApplication> | undefined): SparkApplication | undefined {
  if (!apps || !namespace) return undefined;
  const owner = (pod.metadata?.ownerReferences ?? []).find((o) => o.kind === 'SparkApplication' && o.apiVersion.startsWith('sparkoperator.k8s.io/'));
  const name = owner?.name ?? pod.metadata?.labels?.[OPERATOR_APP_NAME];
  if (!name) return undefined;
  const app = apps.get(name, namespace);
  if (app && owner && app.metadata?.uid && app.metadata.uid !== owner.uid) return undefined;
  return app;
}

/** The application type (spec.type): Python and R get Spark's non-JVM overhead factor. */
export function sparkApplicationType(app: SparkApplication): AppType {
  const t = app.spec?.type?.toLowerCase();
  return t === 'python' ? 'python' : t === 'r' ? 'r' : 'java';
}

/**
 * The application's executor settings as Spark configuration keys. The
 * operator turns typed fields into --conf flags after spec.sparkConf, so the
 * typed fields win.
 */
export function sparkApplicationConf(app: SparkApplication): SparkConf {
  const spec = app.spec ?? {};
  const conf: Record<string, string> = { ...(spec.sparkConf ?? {}) };
  const e = spec.executor ?? {};
  if (e.instances !== undefined) conf[K.instances] = String(e.instances);
  if (e.cores !== undefined) conf[K.cores] = String(e.cores);
  if (e.coreRequest !== undefined) conf[K.requestCores] = e.coreRequest;
  if (e.coreLimit !== undefined) conf[K.limitCores] = e.coreLimit;
  if (e.memory !== undefined) conf[K.memory] = e.memory;
  if (e.memoryOverhead !== undefined) conf[K.memoryOverhead] = e.memoryOverhead;
  if (spec.memoryOverheadFactor !== undefined) conf[K.kubernetesFactor] = spec.memoryOverheadFactor;
  if (e.gpu?.name && e.gpu.quantity !== undefined) {
    const slash = e.gpu.name.lastIndexOf('/');
    const vendor = slash > 0 ? e.gpu.name.slice(0, slash) : e.gpu.name;
    const id = slash > 0 ? e.gpu.name.slice(slash + 1) : 'gpu';
    conf[`${K.resourcePrefix}${id}.amount`] = String(e.gpu.quantity);
    conf[`${K.resourcePrefix}${id}.vendor`] = vendor;
  }
  const da = spec.dynamicAllocation;
  if (da?.enabled !== undefined) conf[K.dynamic] = String(da.enabled);
  if (da?.initialExecutors !== undefined) conf[K.initialExecutors] = String(da.initialExecutors);
  if (da?.minExecutors !== undefined) conf[K.minExecutors] = String(da.minExecutors);
  if (da?.maxExecutors !== undefined) conf[K.maxExecutors] = String(da.maxExecutors);
  return conf;
}
