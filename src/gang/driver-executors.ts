// How many executors a driver's gang reserves, and what one of them
// requests, as the extender decides it when the driver is filtered (pure).
//
// Order (docs/extender.md, "Executor count and shape"):
// 1. What the user stated on the driver — gangplank.io/executor-count /
//    executor-resources without a webhook source, or with source
//    `annotation`; the seeds' min-available label (N = value − 1) — is taken
//    as it is.
// 2. Otherwise the driver's spark.properties (the configuration Spark really
//    runs with; spark-submit creates its ConfigMap right after the driver),
//    through Spark's rules (contract/spark-resources.ts) and the profile's
//    resource layers. While the ConfigMap the driver mounts is not there yet,
//    the driver waits up to extender.sparkConfigWaitSeconds from its creation.
// 3. When it never appears (or the driver mounts none: client mode): what the
//    webhook derived (SparkApplication, visible Spark conf, profile), else
//    extender.executorDefaults, else Spark's defaults (2 executors of 1 core, 1g).
import type { V1Pod } from '@kubernetes/client-node';
import {
  executorCountCodec,
  executorCountSourceCodec,
  executorResourceLayersCodec,
  executorResourcesCodec,
  executorResourcesSourceCodec,
  isExplicit,
  minAvailableCodec,
  type ValueSource,
} from '../contract/annotations.js';
import { EXECUTOR_COUNT, EXECUTOR_COUNT_SOURCE, EXECUTOR_RESOURCE_LAYERS, EXECUTOR_RESOURCES, EXECUTOR_RESOURCES_SOURCE, GANG_MIN_AVAILABLE } from '../contract/keys.js';
import { executorPodUnits, type ExecutorResourceLayers } from '../contract/resource-layers.js';
import { parseJavaProperties, SparkConfError, type SparkConf } from '../contract/spark-conf.js';
import { driverAppType, executorShapeConf } from '../contract/spark-pod.js';
import { appTypeOf, executorCount, sparkExecutorContainer, SPARK_DEFAULT_EXECUTORS } from '../contract/spark-resources.js';
import type { ExecutorShape } from '../contract/spark-pod.js';
import type { ResourceList } from '../k8s/resources.js';

/** What the driver's spark.properties ConfigMap looks like in the cache. */
export type SparkConfState = { state: 'found'; text: string } | { state: 'pending' } | { state: 'none' };

export interface DriverExecutors {
  readonly count: number;
  readonly countSource: ValueSource;
  /** One executor pod's requests in scheduler units (no `pods` slot). */
  readonly requests: ResourceList;
  readonly resourcesSource: ValueSource;
}

export type ExecutorsDecision =
  | { readonly kind: 'known'; readonly executors: DriverExecutors }
  | { readonly kind: 'wait'; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string };

export interface ExecutorsInput {
  readonly driver: V1Pod;
  readonly sparkConf: SparkConfState;
  /** ms since the driver was created. */
  readonly age: number;
  readonly waitSeconds: number;
  readonly executorDefaults?: ExecutorShape;
}

interface Declared<T> {
  readonly value: T;
  readonly source: ValueSource;
}

function declared<T>(raw: string | undefined, rawSource: string | undefined, parse: (s: string) => T | Error, parseSource: (s: string) => ValueSource | Error): Declared<T> | Error | undefined {
  if (raw === undefined) return undefined;
  const value = parse(raw);
  if (value instanceof Error) return value;
  const source = rawSource === undefined ? 'annotation' : parseSource(rawSource);
  return source instanceof Error ? source : { value, source };
}

export function resolveDriverExecutors(input: ExecutorsInput): ExecutorsDecision {
  const { driver } = input;
  const annotations = driver.metadata?.annotations ?? {};
  const invalid = (err: Error): ExecutorsDecision => ({ kind: 'invalid', message: err.message });

  let count = declared(annotations[EXECUTOR_COUNT], annotations[EXECUTOR_COUNT_SOURCE], (s) => executorCountCodec.parse(s), (s) => executorCountSourceCodec.parse(s));
  if (count instanceof Error) return invalid(count);
  if (count === undefined) {
    // The seeds' min-available = 1 + N on a driver the webhook did not count (it writes both or neither).
    const raw = driver.metadata?.labels?.[GANG_MIN_AVAILABLE];
    const min = raw === undefined ? undefined : minAvailableCodec.parse(raw);
    if (typeof min === 'number') count = { value: min - 1, source: 'min-available' };
  }
  const shape = declared(annotations[EXECUTOR_RESOURCES], annotations[EXECUTOR_RESOURCES_SOURCE], (s) => executorResourcesCodec.parse(s), (s) => executorResourcesSourceCodec.parse(s));
  if (shape instanceof Error) return invalid(shape);
  const rawLayers = annotations[EXECUTOR_RESOURCE_LAYERS];
  const layers: ExecutorResourceLayers | Error = rawLayers === undefined ? {} : executorResourceLayersCodec.parse(rawLayers);
  if (layers instanceof Error) return invalid(layers);

  const countKnown = count !== undefined && isExplicit(count.source);
  const shapeKnown = shape !== undefined && isExplicit(shape.source);
  if (countKnown && shapeKnown) return known(count as Declared<number>, shape as Declared<ResourceList>);

  const appHint = driverAppType(driver);
  if (input.sparkConf.state === 'found') {
    const conf: SparkConf = Object.fromEntries(parseJavaProperties(input.sparkConf.text));
    try {
      const fromProps = {
        count: countKnown ? (count as Declared<number>) : { value: executorCount(conf).count, source: 'spark-properties' as const },
        shape: shapeKnown ? (shape as Declared<ResourceList>) : { value: executorPodUnits(sparkExecutorContainer(conf, appTypeOf(conf, appHint)), layers), source: 'spark-properties' as const },
      };
      return known(fromProps.count, fromProps.shape);
    } catch (err) {
      if (err instanceof SparkConfError) return { kind: 'invalid', message: `the driver's spark.properties: ${err.message}` };
      throw err;
    }
  }
  if (input.sparkConf.state === 'pending' && input.age < input.waitSeconds * 1000) {
    const what = [countKnown ? '' : 'the executor count', shapeKnown ? '' : 'the executor shape'].filter(Boolean).join(' and ');
    return { kind: 'wait', message: `waiting for the driver's spark.properties ConfigMap to learn ${what}` };
  }
  // No spark.properties: what the webhook derived, else the configured or Spark's defaults.
  let fallbackShape = shape;
  if (fallbackShape === undefined) {
    try {
      const conf = executorShapeConf(input.executorDefaults);
      fallbackShape = {
        value: executorPodUnits(sparkExecutorContainer(conf, appHint ?? 'java'), layers),
        source: input.executorDefaults ? 'extender-defaults' : 'spark-defaults',
      };
    } catch (err) {
      if (err instanceof SparkConfError) return { kind: 'invalid', message: `extender.executorDefaults: ${err.message}` };
      throw err;
    }
  }
  return known(count ?? { value: SPARK_DEFAULT_EXECUTORS, source: 'spark-defaults' }, fallbackShape);
}

function known(count: Declared<number>, shape: Declared<ResourceList>): ExecutorsDecision {
  return { kind: 'known', executors: { count: count.value, countSource: count.source, requests: shape.value, resourcesSource: shape.source } };
}
