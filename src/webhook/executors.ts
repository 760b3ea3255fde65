// What the driver must tell the extender about the executors it will
// create: how many (N), what one of them requests, and where they may run.
//
// N, in order: the driver's gangplank.io/executor-count annotation; the
// seed's min-available label on the driver (N = value - 1); the owning
// SparkApplication (instances, or dynamic allocation's starting count); the
// profile's executorInstances; Spark's default of 2.
// Shape: the driver's gangplank.io/executor-resources annotation; else Spark's
// rules (spark-resources.ts) over the SparkApplication's settings layered on
// the profile's executorDefaults, passed through the profile's executor
// template and overrides exactly as the executor pods will be.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { ExecutorShape, PodFragment, Profile } from '../config/index.js';
import { formatQuantity } from '../k8s/quantity.js';
import { podRequests } from '../k8s/resources.js';
import { constraintsOf, formatConstraints, parseConstraints, sameConstraints, withDefaultTolerations } from './constraints.js';
import { EXECUTOR_CONSTRAINTS, EXECUTOR_COUNT, EXECUTOR_RESOURCES, GANG_MIN_AVAILABLE, SPARK_EXECUTOR_CONTAINER } from './keys.js';
import { mergeFragment, type Warn } from './merge.js';
import { clone } from './objects.js';
import { executorRequests, formatResourceList, JVM_OVERHEAD_FACTOR, parseResourceListAnnotation, SparkConfError, type SparkConf } from './spark-resources.js';
import { initialExecutors, isNonJvmApp, sparkApplicationConf, type SparkApplication } from './sparkapp.js';
import { isNonJvmDriver } from './spark.js';

/** Spark's default spark.executor.instances. */
export const SPARK_DEFAULT_EXECUTORS = 2;

export type CountSource = 'annotation' | 'min-available' | 'spark-application' | 'profile' | 'spark-default' | 'driver';

export interface ExecutorRoleSettings {
  readonly template?: PodFragment;
  readonly overrides?: PodFragment;
}

function parseCount(v: string | undefined, min: number): number | undefined {
  if (v === undefined || !/^\d{1,6}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min ? n : undefined;
}

/** The profile's executorDefaults as the Spark configuration keys they stand for. */
export function profileConf(d: ExecutorShape | undefined): Record<string, string> {
  if (!d) return {};
  const conf: Record<string, string> = { 'spark.executor.cores': String(d.cores), 'spark.executor.memory': d.memory };
  if (d.requestCores !== undefined) conf['spark.kubernetes.executor.request.cores'] = d.requestCores;
  if (d.memoryOverhead !== undefined) conf['spark.executor.memoryOverhead'] = d.memoryOverhead;
  // The schema defaults the factor to 0.1, which cannot be told from "unset": 0.1 leaves
  // Spark's own choice (0.1 JVM, 0.4 Python/R); any other value is explicit.
  if (d.memoryOverheadFactor !== undefined && d.memoryOverheadFactor !== JVM_OVERHEAD_FACTOR) {
    conf['spark.executor.memoryOverheadFactor'] = String(d.memoryOverheadFactor);
  }
  if (d.gpus > 0) {
    const slash = d.gpuResource.lastIndexOf('/');
    const vendor = slash > 0 ? d.gpuResource.slice(0, slash) : d.gpuResource;
    const id = slash > 0 ? d.gpuResource.slice(slash + 1) : 'gpu';
    conf[`spark.executor.resource.${id}.amount`] = String(d.gpus);
    conf[`spark.executor.resource.${id}.vendor`] = vendor;
  }
  return conf;
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

export interface DriverPlan {
  readonly count: number;
  readonly countSource: CountSource;
  /** JSON for gangplank.io/executor-resources, when it can be known. */
  readonly resources?: string;
  /** JSON for gangplank.io/executor-constraints, when executors differ from the driver. */
  readonly constraints?: string;
}

export function planDriver(input: DriverPlanInput): DriverPlan {
  const { driver, app, profile, warn } = input;
  const annotations = driver.metadata?.annotations ?? {};
  const labels = driver.metadata?.labels ?? {};
  const appConf: SparkConf = app ? sparkApplicationConf(app) : {};

  let count: number | undefined;
  let countSource: CountSource = 'spark-default';
  const annotated = annotations[EXECUTOR_COUNT];
  if (annotated !== undefined) {
    count = parseCount(annotated, 0);
    if (count === undefined) warn(`${EXECUTOR_COUNT}=${JSON.stringify(annotated)} is not a whole number; ignored`);
    else countSource = 'annotation';
  }
  if (count === undefined && labels[GANG_MIN_AVAILABLE] !== undefined) {
    const min = parseCount(labels[GANG_MIN_AVAILABLE], 1);
    if (min !== undefined) {
      count = min - 1;
      countSource = 'min-available';
    }
  }
  if (count === undefined && app) {
    count = initialExecutors(appConf);
    if (count !== undefined) countSource = 'spark-application';
  }
  if (count === undefined && profile?.executorInstances !== undefined) {
    count = profile.executorInstances;
    countSource = 'profile';
  }
  if (count === undefined) count = SPARK_DEFAULT_EXECUTORS;

  // The virtual executor: what the API server will admit when the driver creates one.
  const base = app ? executorBaseFromApp(app) : constraintsOf(input.original);
  const virtual: V1Pod = {
    metadata: { labels: {}, annotations: {} },
    spec: {
      containers: [{ name: SPARK_EXECUTOR_CONTAINER }],
      nodeSelector: base.nodeSelector,
      tolerations: withDefaultTolerations(base.tolerations),
      ...(base.requiredNodeAffinity ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: base.requiredNodeAffinity } } } : {}),
    },
  };

  let resources: string | undefined;
  const given = annotations[EXECUTOR_RESOURCES];
  if (given !== undefined && parseResourceListAnnotation(given) !== undefined) {
    resources = given;
  } else {
    if (given !== undefined) warn(`${EXECUTOR_RESOURCES} is not a JSON map of quantities; recomputed`);
    try {
      const conf: SparkConf = { ...profileConf(profile?.executorDefaults), ...appConf };
      const nonJvm = app ? isNonJvmApp(app) : isNonJvmDriver(input.original);
      const requests = executorRequests(conf, nonJvm);
      const main = (virtual.spec?.containers ?? [])[0] as V1Container;
      // Spark sets the memory limit to the request, a cpu limit only from limit.cores, and extended resources both ways.
      const limits: Record<string, string> = { memory: requests.memory as string };
      for (const [k, v] of Object.entries(requests)) if (k !== 'cpu' && k !== 'memory') limits[k] = v;
      const limitCores = conf['spark.kubernetes.executor.limit.cores'];
      if (limitCores !== undefined) limits.cpu = limitCores;
      main.resources = { requests: { ...requests }, limits };
    } catch (err) {
      if (!(err instanceof SparkConfError)) throw err;
      warn(`cannot compute one executor's resources: ${err.message}`);
    }
  }

  const quiet: Warn = () => {};
  if (input.executor.template) mergeFragment(virtual, clone(input.executor.template), 'executor', 'template', quiet);
  if (input.executor.overrides) mergeFragment(virtual, clone(input.executor.overrides), 'executor', 'overrides', quiet);

  if (resources === undefined && virtual.spec?.containers?.[0]?.resources) {
    const units = podRequests(virtual);
    const list: Record<string, string> = {};
    for (const [k, v] of Object.entries(units)) if (v > 0) list[k] = formatQuantity(k, v);
    resources = formatResourceList(list);
  }

  let constraints: string | undefined;
  const givenConstraints = annotations[EXECUTOR_CONSTRAINTS];
  if (givenConstraints !== undefined && parseConstraints(givenConstraints) !== undefined) {
    constraints = givenConstraints;
  } else {
    if (givenConstraints !== undefined) warn(`${EXECUTOR_CONSTRAINTS} is not valid JSON constraints; recomputed`);
    const executorSide = constraintsOf(virtual);
    // The API server adds the default NoExecute tolerations to the driver too (a pod shaped
    // outside the API, as in tests or dry tools, may not have them yet).
    const driverSide = constraintsOf(driver);
    driverSide.tolerations = withDefaultTolerations(driverSide.tolerations);
    if (!sameConstraints(executorSide, driverSide)) constraints = formatConstraints(executorSide);
  }
  return { count, countSource, resources, constraints };
}

function executorBaseFromApp(app: SparkApplication): ReturnType<typeof constraintsOf> {
  const e = app.spec?.executor ?? {};
  const out: ReturnType<typeof constraintsOf> = {
    nodeSelector: { ...(app.spec?.nodeSelector ?? {}), ...(e.nodeSelector ?? {}) },
    tolerations: [...(e.tolerations ?? [])],
  };
  const req = e.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req) out.requiredNodeAffinity = req;
  return out;
}

export interface ExecutorMinAvailableInput {
  readonly executor: V1Pod;
  /** The executor's driver pod, when the webhook's cache holds it (driver-lookup.ts). */
  readonly driver?: V1Pod;
  readonly app?: SparkApplication;
  readonly profile?: Profile;
}

/**
 * min-available for an executor: its driver's (when the driver is in the
 * cache), else the executor's own label, else the SparkApplication's count,
 * else the profile's, else Spark's default; always 1 + N.
 */
export function executorMinAvailable(input: ExecutorMinAvailableInput): { value: number; source: CountSource } {
  const { executor, driver, app, profile } = input;
  if (driver) {
    const n = parseCount(driver.metadata?.annotations?.[EXECUTOR_COUNT], 0);
    if (n !== undefined) return { value: n + 1, source: 'driver' };
    const min = parseCount(driver.metadata?.labels?.[GANG_MIN_AVAILABLE], 1);
    if (min !== undefined) return { value: min, source: 'driver' };
  }
  const own = parseCount(executor.metadata?.labels?.[GANG_MIN_AVAILABLE], 1);
  if (own !== undefined) return { value: own, source: 'min-available' };
  if (app) {
    const n = initialExecutors(sparkApplicationConf(app));
    if (n !== undefined) return { value: n + 1, source: 'spark-application' };
  }
  if (profile?.executorInstances !== undefined) return { value: profile.executorInstances + 1, source: 'profile' };
  return { value: SPARK_DEFAULT_EXECUTORS + 1, source: 'spark-default' };
}
