// One executor pod's resource requests, known before the executor exists:
// gangplank.io/executor-resources on the driver, else the driver's
// spark.properties, else configured defaults. The Spark rules follow
// resource-managers/kubernetes BasicExecutorFeatureStep: memory request =
// spark.executor.memory + overhead (+ pyspark memory), overhead =
// spark.executor.memoryOverhead or max(factor × memory, 384 MiB) with factor
// spark.executor.memoryOverheadFactor (older: spark.kubernetes.memoryOverheadFactor,
// default 0.1); cpu request = spark.kubernetes.executor.request.cores, else
// spark.executor.cores; GPUs = spark.executor.resource.gpu.amount of resource
// "<vendor>/gpu".
import type { ExecutorShape } from '../config/schema.js';
import { parseResourceList, type ResourceList } from '../k8s/resources.js';
import { toSchedulerUnits } from '../k8s/quantity.js';
import { EXECUTOR_RESOURCES } from './keys.js';
import { sparkMemoryMiB } from './spark-properties.js';

export const MIN_OVERHEAD_MIB = 384;

/** Spark's own defaults (spark.executor.cores 1, spark.executor.memory 1g, factor 0.1, no GPUs). */
export const DEFAULT_EXECUTOR_SHAPE: ExecutorShape = Object.freeze({ cores: 1, memory: '1g', memoryOverheadFactor: 0.1, gpus: 0, gpuResource: 'nvidia.com/gpu' });
const MIB = 2 ** 20;

export interface ResolvedShape {
  readonly requests: ResourceList;
  readonly source: 'annotation' | 'spark.properties' | 'defaults';
}

/** The annotation, parsed; undefined when absent; an Error when malformed. */
export function shapeFromAnnotation(annotations: Record<string, string> | undefined): ResourceList | undefined | Error {
  const raw = annotations?.[EXECUTOR_RESOURCES];
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('want a JSON object of quantities');
    return parseResourceList(parsed as Record<string, string>);
  } catch (err) {
    return new Error(`annotation ${EXECUTOR_RESOURCES} is malformed: ${(err as Error).message}`);
  }
}

interface ShapeInputs {
  cores: string | number;
  requestCores?: string;
  memory: string;
  memoryOverhead?: string;
  factor: number;
  pysparkMemory?: string;
  gpus: number;
  gpuResource: string;
}

function compute(i: ShapeInputs): ResourceList {
  const memMiB = sparkMemoryMiB(i.memory);
  const overheadMiB = i.memoryOverhead !== undefined ? sparkMemoryMiB(i.memoryOverhead) : Math.max(Math.floor(i.factor * memMiB), MIN_OVERHEAD_MIB);
  const pyMiB = i.pysparkMemory !== undefined ? sparkMemoryMiB(i.pysparkMemory) : 0;
  const out: ResourceList = {
    cpu: toSchedulerUnits('cpu', i.requestCores ?? i.cores),
    memory: (memMiB + overheadMiB + pyMiB) * MIB,
  };
  if (i.gpus > 0) out[i.gpuResource] = i.gpus;
  return out;
}

export function shapeFromSparkProperties(props: Map<string, string>, defaults: ExecutorShape): ResourceList {
  const factorRaw = props.get('spark.executor.memoryOverheadFactor') ?? props.get('spark.kubernetes.memoryOverheadFactor');
  const factor = factorRaw !== undefined ? Number(factorRaw) : defaults.memoryOverheadFactor;
  if (!Number.isFinite(factor) || factor < 0) throw new Error(`memory overhead factor is not a number: ${factorRaw}`);
  const gpuRaw = props.get('spark.executor.resource.gpu.amount');
  const gpus = gpuRaw !== undefined ? Number(gpuRaw) : defaults.gpus;
  if (!Number.isInteger(gpus) || gpus < 0) throw new Error(`spark.executor.resource.gpu.amount is not a whole number: ${gpuRaw}`);
  const vendor = props.get('spark.executor.resource.gpu.vendor');
  return compute({
    cores: props.get('spark.executor.cores') ?? defaults.cores,
    requestCores: props.get('spark.kubernetes.executor.request.cores') ?? defaults.requestCores,
    memory: props.get('spark.executor.memory') ?? defaults.memory,
    memoryOverhead: props.get('spark.executor.memoryOverhead') ?? defaults.memoryOverhead,
    factor,
    pysparkMemory: props.get('spark.executor.pyspark.memory'),
    gpus,
    gpuResource: vendor ? `${vendor}/gpu` : defaults.gpuResource,
  });
}

export function shapeFromDefaults(defaults: ExecutorShape): ResourceList {
  return compute({
    cores: defaults.cores,
    requestCores: defaults.requestCores,
    memory: defaults.memory,
    memoryOverhead: defaults.memoryOverhead,
    factor: defaults.memoryOverheadFactor,
    gpus: defaults.gpus,
    gpuResource: defaults.gpuResource,
  });
}

/** Every executor pod also takes one of the node's `pods`. */
export function withPodSlot(r: ResourceList): ResourceList {
  return { ...r, pods: Math.max(1, r.pods ?? 0) };
}
