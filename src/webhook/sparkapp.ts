// What the webhook reads from spark-operator's SparkApplication
// (sparkoperator.k8s.io/v1beta2): executor count and shape, and the
// executors' placement. Only the fields used here are typed; the object comes
// from an informer cache as plain JSON.
import type { V1Affinity, V1Pod, V1Toleration } from '@kubernetes/client-node';
import type { ObjectCache } from '../k8s/cache.js';
import { OPERATOR_APP_NAME } from './keys.js';
import type { SparkConf } from './spark-resources.js';

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
  metadata?: { name?: string; namespace?: string; uid?: string };
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

/** True for Python and R applications (Spark's non-JVM overhead factor applies). */
export function isNonJvmApp(app: SparkApplication): boolean {
  const t = app.spec?.type?.toLowerCase();
  return t === 'python' || t === 'r';
}

/**
 * The application's executor settings as Spark configuration keys. The
 * operator turns typed fields into --conf flags after spec.sparkConf, so the
 * typed fields win.
 */
export function sparkApplicationConf(app: SparkApplication): Record<string, string> {
  const spec = app.spec ?? {};
  const conf: Record<string, string> = { ...(spec.sparkConf ?? {}) };
  const e = spec.executor ?? {};
  if (e.instances !== undefined) conf['spark.executor.instances'] = String(e.instances);
  if (e.cores !== undefined) conf['spark.executor.cores'] = String(e.cores);
  if (e.coreRequest !== undefined) conf['spark.kubernetes.executor.request.cores'] = e.coreRequest;
  if (e.memory !== undefined) conf['spark.executor.memory'] = e.memory;
  if (e.memoryOverhead !== undefined) conf['spark.executor.memoryOverhead'] = e.memoryOverhead;
  if (spec.memoryOverheadFactor !== undefined) conf['spark.kubernetes.memoryOverheadFactor'] = spec.memoryOverheadFactor;
  if (e.gpu?.name && e.gpu.quantity !== undefined) {
    const slash = e.gpu.name.lastIndexOf('/');
    const vendor = slash > 0 ? e.gpu.name.slice(0, slash) : e.gpu.name;
    const id = slash > 0 ? e.gpu.name.slice(slash + 1) : 'gpu';
    conf[`spark.executor.resource.${id}.amount`] = String(e.gpu.quantity);
    conf[`spark.executor.resource.${id}.vendor`] = vendor;
  }
  const da = spec.dynamicAllocation;
  if (da?.enabled !== undefined) conf['spark.dynamicAllocation.enabled'] = String(da.enabled);
  if (da?.initialExecutors !== undefined) conf['spark.dynamicAllocation.initialExecutors'] = String(da.initialExecutors);
  if (da?.minExecutors !== undefined) conf['spark.dynamicAllocation.minExecutors'] = String(da.minExecutors);
  return conf;
}

/**
 * Executors Spark starts with: spark.executor.instances, or under dynamic
 * allocation the largest of min, initial and instances (Spark's
 * Utils.getDynamicAllocationInitialExecutors). Undefined when the conf says nothing.
 */
export function initialExecutors(conf: SparkConf): number | undefined {
  const num = (k: string): number | undefined => {
    const v = conf[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  const instances = num('spark.executor.instances');
  if (conf['spark.dynamicAllocation.enabled'] === 'true') {
    const vals = [num('spark.dynamicAllocation.minExecutors'), num('spark.dynamicAllocation.initialExecutors'), instances].filter(
      (n): n is number => n !== undefined,
    );
    return vals.length > 0 ? Math.max(...vals) : 0;
  }
  return instances;
}
