// ONE model of what Spark's Kubernetes backend asks for, for Spark 3.3 to
// 4.0: the resources of one executor pod and the number of executors Spark
// starts with. The webhook (what it can see at admission) and the extender
// (the driver's spark.properties) both call it, so the two can never drift.
// Every rule, with the Spark source it comes from: docs/spark-resources.md.
//
//   memory request = limit = heap + overhead + off-heap + PySpark memory
//     heap      spark.executor.memory (default 1g)
//     overhead  spark.executor.memoryOverhead if set, else
//               max(⌊factor × heap⌋, spark.executor.minMemoryOverhead (4.0; 384 MiB before))
//               factor = spark.executor.memoryOverheadFactor (3.3+), else
//               spark.kubernetes.memoryOverheadFactor — which the driver writes into
//               spark.properties as 0.4 for Python and R apps, 0.1 for JVM apps —
//               else that same 0.4/0.1 default
//     off-heap  spark.memory.offHeap.size (bytes unless suffixed) when
//               spark.memory.offHeap.enabled (then it must be > 0)
//     PySpark   spark.executor.pyspark.memory, for Python apps only
//   cpu request  spark.kubernetes.executor.request.cores, else spark.executor.cores (an int, default 1)
//   cpu limit    spark.kubernetes.executor.limit.cores, when set
//   <vendor>/<name> limit = spark.executor.resource.<name>.amount (an int; the
//               vendor is required on Kubernetes; the API server copies the limit
//               to the request)
//   count        spark.executor.instances (default 2), or under dynamic allocation
//               max(minExecutors, initialExecutors, instances), which must lie in
//               [minExecutors, maxExecutors]
import { formatQuantity, toSchedulerUnits } from '../k8s/quantity.js';
import { sparkBoolean, SparkConfError, sparkDouble, sparkInt, sparkMiB, type SparkConf } from './spark-conf.js';

/** spark.kubernetes.resource.type: what the driver runs (DriverCommandFeatureStep sets it). */
export type AppType = 'java' | 'python' | 'r';

export const SPARK_DEFAULT_EXECUTORS = 2;
export const SPARK_DEFAULT_MEMORY = '1g';
/** ResourceProfile.MEMORY_OVERHEAD_MIN_MIB; spark.executor.minMemoryOverhead's default since 4.0. */
export const MIN_OVERHEAD_MIB = 384;
/** Config MEMORY_OVERHEAD_FACTOR's default, and Constants.NON_JVM_MEMORY_OVERHEAD_FACTOR. */
export const JVM_OVERHEAD_FACTOR = 0.1;
export const NON_JVM_OVERHEAD_FACTOR = 0.4;
/** Gangplank's bound on N: more executors than this in one gang is not a plan, it is an attack. */
export const MAX_EXECUTORS = 10_000;

export const K = {
  instances: 'spark.executor.instances',
  cores: 'spark.executor.cores',
  requestCores: 'spark.kubernetes.executor.request.cores',
  limitCores: 'spark.kubernetes.executor.limit.cores',
  memory: 'spark.executor.memory',
  memoryOverhead: 'spark.executor.memoryOverhead',
  minMemoryOverhead: 'spark.executor.minMemoryOverhead',
  executorFactor: 'spark.executor.memoryOverheadFactor',
  kubernetesFactor: 'spark.kubernetes.memoryOverheadFactor',
  offHeapEnabled: 'spark.memory.offHeap.enabled',
  offHeapSize: 'spark.memory.offHeap.size',
  pysparkMemory: 'spark.executor.pyspark.memory',
  resourceType: 'spark.kubernetes.resource.type',
  resourcePrefix: 'spark.executor.resource.',
  dynamic: 'spark.dynamicAllocation.enabled',
  minExecutors: 'spark.dynamicAllocation.minExecutors',
  initialExecutors: 'spark.dynamicAllocation.initialExecutors',
  maxExecutors: 'spark.dynamicAllocation.maxExecutors',
} as const;

/** What the app runs: spark.kubernetes.resource.type when Spark wrote it, else what the pod shows, else JVM. */
export function appTypeOf(conf: SparkConf, hint?: AppType): AppType {
  const t = conf[K.resourceType]?.trim().toLowerCase();
  if (t === 'java' || t === 'python' || t === 'r') return t;
  return hint ?? 'java';
}

export interface ExecutorMemory {
  readonly heapMiB: number;
  readonly overheadMiB: number;
  readonly offHeapMiB: number;
  readonly pysparkMiB: number;
  readonly totalMiB: number;
}

/** The overhead factor executors use (BasicExecutorFeatureStep.memoryOverheadFactor). */
export function overheadFactor(conf: SparkConf, appType: AppType): number {
  const own = conf[K.executorFactor];
  if (own !== undefined) {
    const f = sparkDouble(K.executorFactor, own);
    if (!(f > 0)) throw new SparkConfError(`${K.executorFactor}: must be greater than 0, is ${own}`);
    return f;
  }
  const shared = conf[K.kubernetesFactor];
  if (shared !== undefined) {
    const f = sparkDouble(K.kubernetesFactor, shared);
    if (f < 0) throw new SparkConfError(`${K.kubernetesFactor}: must not be negative, is ${shared}`);
    return f;
  }
  return appType === 'java' ? JVM_OVERHEAD_FACTOR : NON_JVM_OVERHEAD_FACTOR;
}

/** One executor's memory, part by part (ResourceProfile.getResourcesForClusterManager). */
export function executorMemory(conf: SparkConf, appType: AppType): ExecutorMemory {
  const heapMiB = sparkMiB(K.memory, conf[K.memory] ?? SPARK_DEFAULT_MEMORY);
  let overheadMiB: number;
  const explicit = conf[K.memoryOverhead];
  if (explicit !== undefined) {
    overheadMiB = sparkMiB(K.memoryOverhead, explicit);
  } else {
    const min = conf[K.minMemoryOverhead];
    const floor = min !== undefined ? sparkMiB(K.minMemoryOverhead, min) : MIN_OVERHEAD_MIB;
    // Scala's Double.toInt: truncation toward zero, saturating at Int.MaxValue.
    const scaled = Math.min(Math.trunc(overheadFactor(conf, appType) * heapMiB), 2 ** 31 - 1);
    overheadMiB = Math.max(scaled, floor);
  }
  let offHeapMiB = 0;
  const offHeap = conf[K.offHeapEnabled];
  if (offHeap !== undefined && sparkBoolean(K.offHeapEnabled, offHeap)) {
    // Utils.executorOffHeapMemorySizeAsMb: bytes → MiB, truncated; checkOffHeapEnabled requires > 0.
    offHeapMiB = sparkMiB(K.offHeapSize, conf[K.offHeapSize] ?? '0', 'b');
    if (offHeapMiB <= 0) throw new SparkConfError(`${K.offHeapSize} must be at least 1 MiB when ${K.offHeapEnabled} is true (Spark refuses to start otherwise)`);
  }
  const pyspark = conf[K.pysparkMemory];
  const pysparkMiB = appType === 'python' && pyspark !== undefined ? sparkMiB(K.pysparkMemory, pyspark) : 0;
  return { heapMiB, overheadMiB, offHeapMiB, pysparkMiB, totalMiB: heapMiB + overheadMiB + offHeapMiB + pysparkMiB };
}

/** Requests and limits of Spark's executor container, as canonical Kubernetes quantities. */
export interface ContainerResources {
  readonly requests: Readonly<Record<string, string>>;
  readonly limits: Readonly<Record<string, string>>;
}

/** Spark's extended resources for executors: `<vendor>/<name>` → amount (ResourceUtils.parseAllResourceRequests). */
export function executorExtendedResources(conf: SparkConf): Record<string, number> {
  const names = new Set<string>();
  for (const key of Object.keys(conf)) {
    if (!key.startsWith(K.resourcePrefix)) continue;
    const rest = key.slice(K.resourcePrefix.length);
    const dot = rest.indexOf('.');
    if (dot > 0) names.add(rest.slice(0, dot));
  }
  const out: Record<string, number> = {};
  for (const name of [...names].sort()) {
    const prefix = `${K.resourcePrefix}${name}.`;
    const amountRaw = conf[`${prefix}amount`];
    if (amountRaw === undefined) throw new SparkConfError(`${prefix}amount is missing (Spark: "You must specify an amount for ${name}")`);
    // parseResourceRequest reads the amount with String.toInt: no white space, no fraction.
    if (!/^[+-]?\d{1,10}$/.test(amountRaw)) throw new SparkConfError(`${prefix}amount: executors take whole ${name}s: ${JSON.stringify(amountRaw)}`);
    const amount = Number(amountRaw);
    if (amount < 0) throw new SparkConfError(`${prefix}amount: must not be negative, is ${amountRaw}`);
    const vendor = conf[`${prefix}vendor`];
    // BasicExecutorFeatureStep: "Resource: <name> was requested, but vendor was not specified."
    if (!vendor) throw new SparkConfError(`${prefix}vendor is missing: on Kubernetes Spark needs the vendor to name the resource (e.g. nvidia.com for nvidia.com/${name})`);
    if (amount > 0) out[`${vendor}/${name}`] = amount;
  }
  return out;
}

/** The executor container's resources exactly as BasicExecutorFeatureStep sets them (default profile). */
export function sparkExecutorContainer(conf: SparkConf, appType: AppType): ContainerResources {
  const memory = formatQuantity('memory', executorMemory(conf, appType).totalMiB * 2 ** 20);
  // spark.executor.cores is read (and must be an int) even when request.cores replaces it in the pod.
  let cores: number;
  try {
    cores = sparkInt(K.cores, conf[K.cores] ?? '1', 1);
  } catch (err) {
    throw err instanceof SparkConfError ? new SparkConfError(`${err.message} (fractions of a core go in ${K.requestCores})`) : err;
  }
  const requests: Record<string, string> = { cpu: canonical(K.requestCores, 'cpu', conf[K.requestCores] ?? String(cores)), memory };
  const limits: Record<string, string> = { memory };
  const limitCores = conf[K.limitCores];
  if (limitCores !== undefined) limits.cpu = canonical(K.limitCores, 'cpu', limitCores);
  for (const [name, amount] of Object.entries(executorExtendedResources(conf))) limits[name] = String(amount);
  return { requests, limits };
}

function canonical(key: string, resource: string, q: string): string {
  let units: number;
  try {
    units = toSchedulerUnits(resource, q);
  } catch {
    throw new SparkConfError(`${key}: not a Kubernetes quantity: ${JSON.stringify(q)}`);
  }
  if (units <= 0) throw new SparkConfError(`${key}: must be more than 0, is ${JSON.stringify(q)}`);
  return formatQuantity(resource, units);
}

export interface ExecutorCount {
  /** Executors Spark starts with: what the gang reserves. */
  readonly count: number;
  /** Dynamic allocation's bounds, when it is on (executors beyond `count` use unreserved room). */
  readonly dynamic?: { readonly min: number; readonly initial: number; readonly max: number };
}

/**
 * Executors Spark starts with (SchedulerBackendUtils.getInitialTargetExecutorNumber):
 * spark.executor.instances, default 2; under dynamic allocation
 * Utils.getDynamicAllocationInitialExecutors = max(min, initial, instances),
 * required to lie in [min, max] (ExecutorAllocationManager.validateSettings).
 */
export function executorCount(conf: SparkConf): ExecutorCount {
  const int = (key: string, fallback: number): number => {
    const v = conf[key];
    return v === undefined ? fallback : sparkInt(key, v, 0);
  };
  const instances = conf[K.instances] !== undefined ? int(K.instances, 0) : undefined;
  const flag = conf[K.dynamic];
  const dynamic = flag !== undefined && sparkBoolean(K.dynamic, flag);
  if (!dynamic) return { count: bounded(instances ?? SPARK_DEFAULT_EXECUTORS) };
  const min = int(K.minExecutors, 0);
  const initialSetting = int(K.initialExecutors, min);
  const max = int(K.maxExecutors, 2 ** 31 - 1);
  // ExecutorAllocationManager.validateSettings.
  if (max === 0) throw new SparkConfError(`${K.maxExecutors} cannot be 0`);
  if (min > max) throw new SparkConfError(`${K.minExecutors} (${min}) must not exceed ${K.maxExecutors} (${max})`);
  const initial = Math.max(min, initialSetting, instances ?? 0);
  if (initial > max) throw new SparkConfError(`initial executors ${initial} (max of ${K.minExecutors}, ${K.initialExecutors}, ${K.instances}) must not exceed ${K.maxExecutors} (${max})`);
  return { count: bounded(initial), dynamic: { min, initial, max } };
}

/** True when the conf says anything about how many executors to start. */
export function confSetsCount(conf: SparkConf): boolean {
  return [K.instances, K.dynamic, K.minExecutors, K.initialExecutors].some((k) => conf[k] !== undefined);
}

/** True when the conf says anything about one executor's resources. */
export function confSetsShape(conf: SparkConf): boolean {
  return Object.keys(conf).some((k) => SHAPE_KEYS.has(k) || k.startsWith(K.resourcePrefix));
}

const SHAPE_KEYS: ReadonlySet<string> = new Set([
  K.cores,
  K.requestCores,
  K.limitCores,
  K.memory,
  K.memoryOverhead,
  K.minMemoryOverhead,
  K.executorFactor,
  K.kubernetesFactor,
  K.offHeapEnabled,
  K.offHeapSize,
  K.pysparkMemory,
]);

function bounded(n: number): number {
  if (n > MAX_EXECUTORS) throw new SparkConfError(`${n} executors is more than Gangplank reserves for one gang (${MAX_EXECUTORS})`);
  return n;
}
