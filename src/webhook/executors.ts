// What the driver can tell the extender about the executors it will create:
// how many (N), what one of them requests, and where they may run. The
// webhook records only what it knows at admission (issue 8); everything else
// is left to the extender, which reads the driver's spark.properties.
//
// N, first that applies (source in gangplank.io/executor-count-source):
//   annotation        the driver's gangplank.io/executor-count (kept as written)
//   min-available     the seeds' min-available label on the driver (N = value − 1)
//   sparkapplication  the owning SparkApplication (instances, or dynamic allocation's starting count)
//   spark-conf        spark-submit flags in the driver pod's own command (submit-args.ts)
//   profile           the profile's executorInstances
//   — otherwise nothing is written, and no min-available either.
// Shape (gangplank.io/executor-resources-source): the driver's own annotation;
// else Spark's rules (contract/spark-resources.ts) over the SparkApplication's
// settings, over the visible Spark conf, over the profile's executorDefaults —
// named after the most specific of them that says anything; then through the
// profile's executor template and overrides exactly as the executor pods will
// be (contract/resource-layers.ts, recorded in gangplank.io/executor-resource-layers
// so the extender applies them to spark.properties too). Nothing known: nothing written.
import type { V1Pod } from '@kubernetes/client-node';
import type { PodFragment, Profile } from '../config/index.js';
import {
  executorConstraintsCodec,
  executorCountCodec,
  executorCountSourceCodec,
  executorResourcesCodec,
  executorResourcesSourceCodec,
  minAvailableCodec,
  podConstraints,
  type PlacementConstraints,
  type ValueSource,
} from '../contract/annotations.js';
import { gangRecordCodec, reservedExecutors } from '../contract/gang-record.js';
import { EXECUTOR_CONSTRAINTS, EXECUTOR_COUNT, EXECUTOR_COUNT_SOURCE, EXECUTOR_RESOURCES, EXECUTOR_RESOURCES_SOURCE, GANG_MIN_AVAILABLE, GANG_RECORD, SPARK_EXECUTOR_CONTAINER } from '../contract/keys.js';
import { emptyLayers, executorPodUnits, type ExecutorResourceLayers, type ResourceLists } from '../contract/resource-layers.js';
import { SparkConfError, type SparkConf } from '../contract/spark-conf.js';
import { driverAppType, executorShapeConf, mainContainerIndex } from '../contract/spark-pod.js';
import { appTypeOf, confSetsCount, confSetsShape, executorCount, sparkExecutorContainer } from '../contract/spark-resources.js';
import type { ResourceList } from '../k8s/resources.js';
import { sameConstraints, withDefaultTolerations } from './constraints.js';
import { mainContainerResources, mergeFragment, type Warn } from './merge.js';
import { clone } from './objects.js';
import { sparkApplicationConf, sparkApplicationType, type SparkApplication } from './sparkapp.js';
import { visibleSparkConf } from './submit-args.js';

export interface ExecutorRoleSettings {
  readonly template?: PodFragment;
  readonly overrides?: PodFragment;
}

export interface DriverPlanInput {
  /** The driver as mutated so far (annotations and labels are read from it). */
  readonly driver: V1Pod;
  /** The driver as the API server sent it. */
  readonly original: V1Pod;
  readonly profile?: Profile;
  readonly executor: ExecutorRoleSettings;
  readonly app?: SparkApplication;
  readonly warn: Warn;
}

export interface Known<T> {
  readonly value: T;
  readonly source: ValueSource;
}

export interface DriverPlan {
  /** N, when known. */
  readonly count?: Known<number>;
  /** One executor pod's requests in scheduler units, when known. */
  readonly resources?: Known<ResourceList>;
  /** What the profile does to executors' resources, when anything (and the shape is not the user's). */
  readonly layers?: ExecutorResourceLayers;
  /** The executors' constraints, when they differ from the driver's. */
  readonly constraints?: PlacementConstraints;
}

/** A value on the pod with its source annotation (absent: the user's own, `annotation`). */
function onPod<T>(
  annotations: Record<string, string>,
  key: string,
  sourceKey: string,
  parse: (s: string) => T | Error,
  parseSource: (s: string) => ValueSource | Error,
  warn: Warn,
): Known<T> | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  const value = parse(raw);
  if (value instanceof Error) {
    warn(`${value.message}; ignored`);
    return undefined;
  }
  const rawSource = annotations[sourceKey];
  const source = rawSource === undefined ? 'annotation' : parseSource(rawSource);
  return { value, source: source instanceof Error ? 'annotation' : source };
}

/** Spark's rules over `conf`, or undefined (with a warning) when Spark would reject it. */
function attempt<T>(warn: Warn, what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof SparkConfError)) throw err;
    warn(`cannot tell ${what}: ${err.message}`);
    return undefined;
  }
}

export function planDriver(input: DriverPlanInput): DriverPlan {
  const { driver, app, profile, warn } = input;
  const annotations = driver.metadata?.annotations ?? {};
  const labels = driver.metadata?.labels ?? {};
  const appConf: SparkConf = app ? sparkApplicationConf(app) : {};
  const visible: SparkConf = visibleSparkConf(input.original);

  // ---- N ----
  let count = onPod(annotations, EXECUTOR_COUNT, EXECUTOR_COUNT_SOURCE, (s) => executorCountCodec.parse(s), (s) => executorCountSourceCodec.parse(s), warn);
  if (!count && labels[GANG_MIN_AVAILABLE] !== undefined) {
    const min = minAvailableCodec.parse(labels[GANG_MIN_AVAILABLE]);
    if (typeof min === 'number') count = { value: min - 1, source: 'min-available' };
  }
  if (!count && confSetsCount(appConf)) {
    const n = attempt(warn, 'the SparkApplication\'s executor count', () => executorCount(appConf).count);
    if (n !== undefined) count = { value: n, source: 'sparkapplication' };
  }
  if (!count && confSetsCount(visible)) {
    const n = attempt(warn, 'the executor count of the driver\'s spark-submit flags', () => executorCount(visible).count);
    if (n !== undefined) count = { value: n, source: 'spark-conf' };
  }
  if (!count && profile?.executorInstances !== undefined) count = { value: profile.executorInstances, source: 'profile' };

  // ---- the virtual executor: what the API server will admit when the driver creates one ----
  const base = app ? executorBaseFromApp(app) : podConstraints(input.original);
  const { layers, executorSide } = virtualExecutor(base, input.executor);

  // ---- shape ----
  let resources = onPod(annotations, EXECUTOR_RESOURCES, EXECUTOR_RESOURCES_SOURCE, (s) => executorResourcesCodec.parse(s), (s) => executorResourcesSourceCodec.parse(s), warn);
  if (!resources) {
    const source: ValueSource | undefined = confSetsShape(appConf)
      ? 'sparkapplication'
      : confSetsShape(visible)
        ? 'spark-conf'
        : profile?.executorDefaults || !emptyLayers(layers)
          ? 'profile'
          : undefined;
    if (source) {
      const conf: SparkConf = { ...executorShapeConf(profile?.executorDefaults), ...visible, ...appConf };
      const hint = app ? sparkApplicationType(app) : driverAppType(input.original);
      const units = attempt(warn, 'one executor\'s resources', () => executorShape(conf, hint, layers));
      if (units) resources = { value: units, source };
    }
  }

  // ---- constraints ----
  let constraints: PlacementConstraints | undefined;
  const givenConstraints = annotations[EXECUTOR_CONSTRAINTS];
  const given = givenConstraints === undefined ? undefined : executorConstraintsCodec.parse(givenConstraints);
  if (given !== undefined && !(given instanceof Error)) {
    constraints = given;
  } else {
    if (given instanceof Error) warn(`${given.message}; recomputed`);
    // The API server adds the default NoExecute tolerations to the driver too (a pod shaped
    // outside the API, as in tests or dry tools, may not have them yet).
    const driverSide = podConstraints(driver);
    if (!sameConstraints(executorSide, { ...driverSide, tolerations: withDefaultTolerations(driverSide.tolerations) })) constraints = executorSide;
  }
  const userShape = resources?.source === 'annotation';
  return { count, resources, layers: !userShape && !emptyLayers(layers) ? layers : undefined, constraints };
}

// ---- memoised per profile and Spark configuration ----
//
// Every driver of a profile gets the same virtual executor (the profile's
// executor template and overrides over the same base constraints) and, for
// the same Spark configuration, the same executor shape: merging the template
// into a virtual pod and running Spark's arithmetic was a third of a review
// (bench/RESULTS.md, "Webhook /mutate"). Results are kept per template and
// overrides object (a ConfigMap template that changes is a new object) and per
// base constraints / configuration text, and are frozen: callers only read them.

type Layers = { -readonly [K in keyof ExecutorResourceLayers]: ExecutorResourceLayers[K] };
interface Virtual {
  readonly layers: Layers;
  readonly executorSide: PlacementConstraints;
}

const NONE = {};
/** At most this many entries per cache; a cache that fills starts afresh. */
const MEMO_MAX = 256;
const virtuals = new WeakMap<object, WeakMap<object, Map<string, Virtual>>>();
const shapes = new WeakMap<object, Map<string, ResourceList>>();

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

function bounded<V>(m: Map<string, V>, key: string, make: () => V): V {
  const hit = m.get(key);
  if (hit !== undefined) return hit;
  if (m.size >= MEMO_MAX) m.clear();
  const v = deepFreeze(make());
  m.set(key, v);
  return v;
}

function virtualExecutor(base: PlacementConstraints, executor: ExecutorRoleSettings): Virtual {
  let byTemplate = virtuals.get(executor.template ?? NONE);
  if (!byTemplate) virtuals.set(executor.template ?? NONE, (byTemplate = new WeakMap()));
  let byBase = byTemplate.get(executor.overrides ?? NONE);
  if (!byBase) byTemplate.set(executor.overrides ?? NONE, (byBase = new Map()));
  return bounded(byBase, JSON.stringify(base), () => buildVirtual(base, executor));
}

/** One executor pod's requests for `conf`, through the profile's layers (memoised per layers object and conf). */
function executorShape(conf: SparkConf, hint: ReturnType<typeof driverAppType>, layers: Layers): ResourceList {
  let byConf = shapes.get(layers);
  if (!byConf) shapes.set(layers, (byConf = new Map()));
  const key = `${hint ?? ''}\u0000${JSON.stringify(conf)}`;
  const hit = byConf.get(key);
  if (hit !== undefined) return hit;
  // Spark rejects some configurations (SparkConfError): those are thrown each time, never kept.
  const units = executorPodUnits(sparkExecutorContainer(conf, appTypeOf(conf, hint)), layers);
  return bounded(byConf, key, () => units);
}

function buildVirtual(base: PlacementConstraints, executor: ExecutorRoleSettings): Virtual {
  const virtual: V1Pod = {
    metadata: { labels: {}, annotations: {} },
    spec: {
      containers: [{ name: SPARK_EXECUTOR_CONTAINER }],
      nodeSelector: { ...base.nodeSelector },
      tolerations: withDefaultTolerations(base.tolerations),
      ...(base.requiredNodeAffinity ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: base.requiredNodeAffinity } } } : {}),
    },
  };
  const quiet: Warn = () => {};
  const layers: Layers = {};
  for (const mode of ['template', 'overrides'] as const) {
    const fragment = executor[mode];
    if (!fragment) continue;
    const main = mainContainerResources(virtual, fragment, 'executor');
    if (main) layers[mode] = main;
    mergeFragment(virtual, clone(fragment), 'executor', mode, quiet);
  }
  const mainIdx = mainContainerIndex(virtual, 'executor');
  const others = (virtual.spec?.containers ?? []).filter((_, i) => i !== mainIdx).map((c) => listsOf(c.resources));
  if (others.some((r) => r.requests || r.limits)) layers.containers = others;
  const inits = (virtual.spec?.initContainers ?? []).map((c) => ({ ...listsOf(c.resources), ...(c.restartPolicy === 'Always' ? { restartPolicy: 'Always' } : {}) }));
  if (inits.some((r) => r.requests || r.limits)) layers.initContainers = inits;
  return { layers, executorSide: podConstraints(virtual) };
}

function listsOf(r: { requests?: Record<string, string>; limits?: Record<string, string> } | undefined): ResourceLists {
  const out: { requests?: Record<string, string>; limits?: Record<string, string> } = {};
  if (r?.requests && Object.keys(r.requests).length > 0) out.requests = { ...r.requests };
  if (r?.limits && Object.keys(r.limits).length > 0) out.limits = { ...r.limits };
  return out;
}

function executorBaseFromApp(app: SparkApplication): PlacementConstraints {
  const e = app.spec?.executor ?? {};
  const req = e.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return {
    nodeSelector: { ...(app.spec?.nodeSelector ?? {}), ...(e.nodeSelector ?? {}) },
    tolerations: [...(e.tolerations ?? [])],
    ...(req ? { requiredNodeAffinity: req } : {}),
  };
}

export interface ExecutorMinAvailableInput {
  readonly executor: V1Pod;
  /** The executor's driver pod, when the webhook's cache holds it (driver-lookup.ts). */
  readonly driver?: V1Pod;
  readonly app?: SparkApplication;
  readonly profile?: Profile;
}

export type MinAvailableSource = 'driver' | 'min-available' | 'sparkapplication' | 'profile';

/**
 * min-available for an executor, 1 + N: N as its driver's plan has it (the
 * extender's gang record, written when the driver was bound — executors
 * come after), else as the driver states it, else the executor's own label,
 * else the SparkApplication's count, else the profile's. Undefined when
 * nothing tells: the label is then left as it is.
 */
export function executorMinAvailable(input: ExecutorMinAvailableInput): { value: number; source: MinAvailableSource } | undefined {
  const { executor, driver, app, profile } = input;
  if (driver) {
    const raw = driver.metadata?.annotations?.[GANG_RECORD];
    const record = raw === undefined ? undefined : gangRecordCodec.parse(raw);
    if (record && !(record instanceof Error) && record.kind === 'driver-led') return { value: reservedExecutors(record) + 1, source: 'driver' };
    const rawCount = driver.metadata?.annotations?.[EXECUTOR_COUNT];
    const n = rawCount === undefined ? undefined : executorCountCodec.parse(rawCount);
    if (typeof n === 'number') return { value: n + 1, source: 'driver' };
    const rawMin = driver.metadata?.labels?.[GANG_MIN_AVAILABLE];
    const min = rawMin === undefined ? undefined : minAvailableCodec.parse(rawMin);
    if (typeof min === 'number') return { value: min, source: 'driver' };
  }
  const rawOwn = executor.metadata?.labels?.[GANG_MIN_AVAILABLE];
  const own = rawOwn === undefined ? undefined : minAvailableCodec.parse(rawOwn);
  if (typeof own === 'number') return { value: own, source: 'min-available' };
  if (app) {
    const conf = sparkApplicationConf(app);
    if (confSetsCount(conf)) {
      try {
        return { value: executorCount(conf).count + 1, source: 'sparkapplication' };
      } catch (err) {
        if (!(err instanceof SparkConfError)) throw err;
      }
    }
  }
  if (profile?.executorInstances !== undefined) return { value: profile.executorInstances + 1, source: 'profile' };
  return undefined;
}
