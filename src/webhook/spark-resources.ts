// One executor pod's resource requests as Spark's Kubernetes backend creates
// it, computed from Spark configuration keys (BasicExecutorFeatureStep and
// ResourceProfile in Spark 3.x/4.x):
//
//   memory = spark.executor.memory
//          + overhead       (spark.executor.memoryOverhead if set, else
//                            max(factor × memory, spark.executor.minMemoryOverhead = 384 MiB);
//                            factor = spark.executor.memoryOverheadFactor, else
//                            spark.kubernetes.memoryOverheadFactor, else 0.1 for JVM
//                            and 0.4 for Python/R applications)
//          + spark.executor.pyspark.memory       (when set)
//          + spark.memory.offHeap.size           (when spark.memory.offHeap.enabled)
//   cpu    = spark.kubernetes.executor.request.cores, else spark.executor.cores (default 1)
//   <vendor>/gpu = spark.executor.resource.gpu.amount (vendor from .vendor)
//
// Memory sizes are Spark byte strings ("512m", "1g", "2048" = MiB where MiB
// is the default unit), which are binary units: 1g = 1024 MiB.
import { formatQuantity, toSchedulerUnits } from '../k8s/quantity.js';

export type SparkConf = Readonly<Record<string, string>>;

/** Spark's minimum executor memory overhead (ResourceProfile.MEMORY_OVERHEAD_MIN_MIB). */
export const MIN_OVERHEAD_MIB = 384;
export const JVM_OVERHEAD_FACTOR = 0.1;
export const NON_JVM_OVERHEAD_FACTOR = 0.4;

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  k: 2 ** 10,
  kb: 2 ** 10,
  m: 2 ** 20,
  mb: 2 ** 20,
  g: 2 ** 30,
  gb: 2 ** 30,
  t: 2 ** 40,
  tb: 2 ** 40,
  p: 2 ** 50,
  pb: 2 ** 50,
};

export class SparkConfError extends Error {
  override name = 'SparkConfError';
}

/**
 * A Spark byte string in MiB, truncated as Spark's byteStringAsMb does.
 * `defaultUnit` applies when the string has no suffix ("2048" → 2048 MiB for
 * spark.executor.memory; bytes for spark.memory.offHeap.size).
 */
export function sparkMemoryMiB(value: string | number, defaultUnit: 'm' | 'b' = 'm'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(String(value));
  if (!m) throw new SparkConfError(`not a Spark memory size: ${JSON.stringify(value)}`);
  const unit = (m[2] ?? '').toLowerCase() || defaultUnit;
  const factor = UNIT_BYTES[unit];
  if (factor === undefined) throw new SparkConfError(`unknown size unit "${m[2]}" in ${JSON.stringify(value)}`);
  const n = Number(m[1]);
  // Spark rejects fractions ("1.5g"); we accept them and round down to whole MiB.
  return Math.floor((n * factor) / 2 ** 20);
}

function positiveNumber(key: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new SparkConfError(`${key}: not a non-negative number: ${JSON.stringify(value)}`);
  return n;
}

/** The memory overhead factor Spark applies to executors of this application. */
export function overheadFactor(conf: SparkConf, nonJvm: boolean): number {
  const explicit = conf['spark.executor.memoryOverheadFactor'] ?? conf['spark.kubernetes.memoryOverheadFactor'];
  if (explicit !== undefined) return positiveNumber('spark.executor.memoryOverheadFactor', explicit);
  return nonJvm ? NON_JVM_OVERHEAD_FACTOR : JVM_OVERHEAD_FACTOR;
}

/** Executor memory overhead in MiB. */
export function executorOverheadMiB(conf: SparkConf, nonJvm: boolean): number {
  const explicit = conf['spark.executor.memoryOverhead'];
  if (explicit !== undefined) return sparkMemoryMiB(explicit);
  const memory = sparkMemoryMiB(conf['spark.executor.memory'] ?? '1g');
  const min = conf['spark.executor.minMemoryOverhead'] !== undefined ? sparkMemoryMiB(conf['spark.executor.minMemoryOverhead']) : MIN_OVERHEAD_MIB;
  return Math.max(Math.floor(overheadFactor(conf, nonJvm) * memory), min);
}

/** The executor pod's memory request in MiB. */
export function executorMemoryMiB(conf: SparkConf, nonJvm: boolean): number {
  let total = sparkMemoryMiB(conf['spark.executor.memory'] ?? '1g') + executorOverheadMiB(conf, nonJvm);
  const pyspark = conf['spark.executor.pyspark.memory'];
  if (pyspark !== undefined) total += sparkMemoryMiB(pyspark);
  if (conf['spark.memory.offHeap.enabled'] === 'true' && conf['spark.memory.offHeap.size'] !== undefined) {
    total += sparkMemoryMiB(conf['spark.memory.offHeap.size'], 'b');
  }
  return total;
}

/** Normalise a CPU amount ("1.8", "500m", 2) to Kubernetes' canonical form ("1800m", "500m", "2"). */
export function cpuQuantity(value: string | number): string {
  return formatQuantity('cpu', toSchedulerUnits('cpu', value));
}

/**
 * The resource requests of one executor pod, as Kubernetes quantity strings
 * in canonical form: `{cpu: "1", memory: "2432Mi", "nvidia.com/gpu": "1"}`.
 */
export function executorRequests(conf: SparkConf, nonJvm: boolean): Record<string, string> {
  const cores = conf['spark.kubernetes.executor.request.cores'] ?? conf['spark.executor.cores'] ?? '1';
  const out: Record<string, string> = {
    cpu: cpuQuantity(cores),
    memory: formatQuantity('memory', executorMemoryMiB(conf, nonJvm) * 2 ** 20),
  };
  // Custom resources: spark.executor.resource.<name>.amount with .vendor (Kubernetes needs a vendor).
  for (const [key, value] of Object.entries(conf)) {
    const m = /^spark\.executor\.resource\.([^.]+)\.amount$/.exec(key);
    if (!m) continue;
    const vendor = conf[`spark.executor.resource.${m[1]}.vendor`];
    const amount = positiveNumber(key, value);
    if (vendor === undefined || amount === 0) continue;
    out[`${vendor}/${m[1]}`] = String(Math.ceil(amount));
  }
  return out;
}

/** JSON with cpu, memory first and the rest sorted, so equal lists give equal strings. */
export function formatResourceList(list: Readonly<Record<string, string>>): string {
  const keys = Object.keys(list).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const ordered: Record<string, string> = {};
  for (const k of keys) ordered[k] = list[k] as string;
  return JSON.stringify(ordered);
}

function rank(k: string): number {
  return k === 'cpu' ? 0 : k === 'memory' ? 1 : 2;
}

/** Parse a resource-list annotation; undefined when it is not a JSON map of valid quantities. */
export function parseResourceListAnnotation(text: string): Record<string, string> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    try {
      toSchedulerUnits(k, v);
    } catch {
      return undefined;
    }
    out[k] = String(v);
  }
  return out;
}
