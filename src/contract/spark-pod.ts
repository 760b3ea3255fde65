// What a Spark pod itself says about its application, read the same way by
// the webhook (at admission) and the extender (when it decides the driver).
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { SPARK_DRIVER_CONTAINER, SPARK_EXECUTOR_CONTAINER } from './keys.js';
import { JVM_OVERHEAD_FACTOR, K, type AppType } from './spark-resources.js';

export type SparkRole = 'driver' | 'executor';

/**
 * Spark's main container: the one named as Spark names it, else the first
 * (Spark's own rule when a pod template does not name the container).
 */
export function mainContainerIndex(pod: V1Pod, role: SparkRole): number {
  const containers = pod.spec?.containers ?? [];
  const wanted = role === 'driver' ? SPARK_DRIVER_CONTAINER : SPARK_EXECUTOR_CONTAINER;
  const i = containers.findIndex((c) => c.name === wanted);
  return i >= 0 ? i : containers.length > 0 ? 0 : -1;
}

export function mainContainer(pod: V1Pod, role: SparkRole): V1Container | undefined {
  const i = mainContainerIndex(pod, role);
  return i >= 0 ? pod.spec?.containers?.[i] : undefined;
}

/**
 * The application type the driver's command shows: spark-submit runs Python
 * and R applications through PythonRunner / RRunner (DriverCommandFeatureStep
 * puts the class in the driver's args), and Spark then gives executors the
 * non-JVM overhead factor. Undefined when the pod does not tell.
 */
export function driverAppType(pod: V1Pod): AppType | undefined {
  const c = mainContainer(pod, 'driver');
  const args = [...(c?.command ?? []), ...(c?.args ?? [])];
  if (args.includes('org.apache.spark.deploy.PythonRunner')) return 'python';
  if (args.includes('org.apache.spark.deploy.RRunner')) return 'r';
  return undefined;
}

/**
 * An executor shape as the configuration writes it (config/schema.ts
 * executorShape has this shape; declared here so that the contract layer
 * does not depend on the configuration module above it).
 */
export interface ExecutorShape {
  readonly cores: number;
  readonly requestCores?: string;
  readonly memory: string;
  readonly memoryOverhead?: string;
  readonly memoryOverheadFactor: number;
  readonly gpus: number;
  readonly gpuResource: string;
}

/**
 * A configured executor shape (profiles[].executorDefaults,
 * extender.executorDefaults) as the Spark configuration keys it stands for.
 * The schema defaults memoryOverheadFactor to 0.1, which cannot be told from
 * "unset": 0.1 leaves Spark's own choice (0.1 JVM, 0.4 Python/R); any other
 * value is written as spark.executor.memoryOverheadFactor.
 */
export function executorShapeConf(d: ExecutorShape | undefined): Record<string, string> {
  if (!d) return {};
  const conf: Record<string, string> = { [K.cores]: String(d.cores), [K.memory]: d.memory };
  if (d.requestCores !== undefined) conf[K.requestCores] = d.requestCores;
  if (d.memoryOverhead !== undefined) conf[K.memoryOverhead] = d.memoryOverhead;
  if (d.memoryOverheadFactor !== undefined && d.memoryOverheadFactor !== JVM_OVERHEAD_FACTOR) conf[K.executorFactor] = String(d.memoryOverheadFactor);
  if (d.gpus > 0) {
    const slash = d.gpuResource.lastIndexOf('/');
    const vendor = slash > 0 ? d.gpuResource.slice(0, slash) : d.gpuResource;
    const name = slash > 0 ? d.gpuResource.slice(slash + 1) : 'gpu';
    conf[`${K.resourcePrefix}${name}.amount`] = String(d.gpus);
    conf[`${K.resourcePrefix}${name}.vendor`] = vendor;
  }
  return conf;
}
