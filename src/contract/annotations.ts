// One codec per Gangplank driver annotation (and the min-available label):
// `format` writes what the webhook puts on the pod, `parse` reads it back in
// the extender (and in the webhook, to keep a value a user wrote). For every
// value x a codec accepts, parse(format(x)) equals x (fast-check properties in
// test/unit/contract). Parsing is hostile-input safe (docs/architecture.md,
// "Hostile input"): bounded sizes, no exponential regexes, an Error naming
// the key instead of a throw.
import type { V1NodeSelector, V1Toleration } from '@kubernetes/client-node';
import { formatQuantity, toSchedulerUnits } from '../k8s/quantity.js';
import type { ResourceList } from '../k8s/resources.js';
import {
  EXECUTOR_CONSTRAINTS,
  EXECUTOR_COUNT,
  EXECUTOR_COUNT_SOURCE,
  EXECUTOR_RESOURCE_LAYERS,
  EXECUTOR_RESOURCES,
  EXECUTOR_RESOURCES_SOURCE,
  GANG_MIN_AVAILABLE,
  GANG_TIMEOUT,
  NUMA_POLICY,
} from './keys.js';
import type { ExecutorResourceLayers, ResourceLists } from './resource-layers.js';
import { MAX_EXECUTORS } from './spark-resources.js';

export interface Codec<T> {
  readonly key: string;
  format(value: T): string;
  /** The value, or an Error that names the key and what is wrong. */
  parse(text: string): T | Error;
}

/** Longer annotation values than this are not ours (the API server allows 256 KiB in all). */
const MAX_TEXT = 64 * 1024;

function fail(key: string, what: string): Error {
  return new Error(`${key} ${what}`);
}

function wholeNumber(key: string, min: number, max: number, noun: string): Codec<number> {
  return {
    key,
    format: (n) => String(n),
    parse(text) {
      const t = text.trim();
      if (!/^\d{1,10}$/.test(t)) return fail(key, `is not a whole number: ${JSON.stringify(text.slice(0, 40))}`);
      const n = Number(t);
      if (n < min || n > max) return fail(key, `must be ${min}..${max} ${noun}, is ${n}`);
      return n;
    },
  };
}

/** gangplank.io/executor-count: N executors to reserve with the driver. */
export const executorCountCodec = wholeNumber(EXECUTOR_COUNT, 0, MAX_EXECUTORS, 'executors');

/** The seeds' min-available label: members placed together (1 + N on a Spark driver). */
export const minAvailableCodec = wholeNumber(GANG_MIN_AVAILABLE, 1, MAX_EXECUTORS + 1, 'members');

/** gangplank.io/timeout-seconds: how long unfilled reservations are held (at most a year). */
export const timeoutSecondsCodec = wholeNumber(GANG_TIMEOUT, 1, 365 * 24 * 3600, 'seconds');

// ---- NUMA policy ----

/**
 * Values of numa.scheduling.kubenexus.io/policy: the seeds' `single-numa` and
 * `none`, and the kubelet's topology-manager policy names, which users copy
 * from their node configuration. `single-numa-node` means what `single-numa`
 * does; `restricted` and `best-effort` ask for no single zone from the
 * annotation (the node's own policy still applies, src/numa/kubelet.ts).
 */
export const NUMA_POLICIES = ['single-numa', 'single-numa-node', 'restricted', 'best-effort', 'none'] as const;
export type NumaPolicy = (typeof NUMA_POLICIES)[number];

export const numaPolicyCodec: Codec<NumaPolicy> = {
  key: NUMA_POLICY,
  format: (p) => p,
  parse(text) {
    const t = text.trim();
    return (NUMA_POLICIES as readonly string[]).includes(t)
      ? (t as NumaPolicy)
      : fail(NUMA_POLICY, `has an unknown policy ${JSON.stringify(text.slice(0, 40))} (expected ${NUMA_POLICIES.join(', ')}); no NUMA alignment is asked for`);
  },
};

// ---- where a value came from ----

/**
 * Where N or the executor shape came from. The webhook writes the first five;
 * the extender reports its own choice (Events, messages, gang record):
 * - annotation        written on the driver by the user (or a profile's driver template)
 * - min-available     the seeds' min-available label on the driver (N = value − 1)
 * - sparkapplication  the owning spark-operator SparkApplication
 * - spark-conf        Spark configuration visible in the driver pod (spark-submit arguments)
 * - profile           the matching profile's executorInstances / executorDefaults
 * - spark-properties  the driver's spark.properties ConfigMap (extender only)
 * - extender-defaults the extender's executorDefaults config (extender only)
 * - spark-defaults    Spark's own defaults (2 executors; 1 core, 1g)
 */
export const VALUE_SOURCES = ['annotation', 'min-available', 'sparkapplication', 'spark-conf', 'profile', 'spark-properties', 'extender-defaults', 'spark-defaults'] as const;
export type ValueSource = (typeof VALUE_SOURCES)[number];

/**
 * What the user stated on the driver: the extender takes it as it is. Any
 * other source the webhook wrote is its best knowledge at admission, and
 * the driver's spark.properties — the configuration Spark really runs
 * with — wins over it.
 */
export function isExplicit(source: ValueSource): boolean {
  return source === 'annotation' || source === 'min-available';
}

function sourceCodec(key: string): Codec<ValueSource> {
  return {
    key,
    format: (s) => s,
    parse(text) {
      const t = text.trim();
      return (VALUE_SOURCES as readonly string[]).includes(t) ? (t as ValueSource) : fail(key, `is not one of ${VALUE_SOURCES.join(', ')}: ${JSON.stringify(text.slice(0, 40))}`);
    },
  };
}

export const executorCountSourceCodec = sourceCodec(EXECUTOR_COUNT_SOURCE);
export const executorResourcesSourceCodec = sourceCodec(EXECUTOR_RESOURCES_SOURCE);

// ---- JSON annotations ----

function parseJson(key: string, text: string): unknown {
  if (text.length > MAX_TEXT) return fail(key, `is longer than ${MAX_TEXT} characters`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail(key, `is not JSON: ${(err as Error).message}`);
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// A qualified resource name (k8s.io/apimachinery validation.IsQualifiedName), bounded.
const RESOURCE_NAME = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const MAX_RESOURCES = 32;

/** cpu, memory, then the rest sorted: equal lists give equal text. */
function orderedKeys(keys: readonly string[]): string[] {
  const rank = (k: string): number => (k === 'cpu' ? 0 : k === 'memory' ? 1 : 2);
  return [...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A map of resource name → quantity in scheduler units; `what` names it in errors. */
function parseResourceMap(key: string, v: unknown, what: string): ResourceList | Error {
  if (!isMap(v)) return fail(key, `${what} must be a JSON object of quantities`);
  const entries = Object.entries(v);
  if (entries.length > MAX_RESOURCES) return fail(key, `${what} names more than ${MAX_RESOURCES} resources`);
  const out: ResourceList = {};
  for (const [name, q] of entries) {
    if (!RESOURCE_NAME.test(name)) return fail(key, `${what}: ${JSON.stringify(name.slice(0, 64))} is not a resource name`);
    if (typeof q !== 'string' && typeof q !== 'number') return fail(key, `${what}: ${name} is not a quantity`);
    let u: number;
    try {
      u = toSchedulerUnits(name, q);
    } catch (err) {
      return fail(key, `${what}: ${name}: ${(err as Error).message}`);
    }
    if (!(u >= 0) || !Number.isSafeInteger(u)) return fail(key, `${what}: ${name} must be a non-negative quantity, is ${JSON.stringify(q)}`);
    out[name] = u;
  }
  return out;
}

function formatResourceMap(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of orderedKeys(Object.keys(list))) out[k] = formatQuantity(k, list[k] as number);
  return out;
}

/**
 * gangplank.io/executor-resources: the requests of ONE executor pod in
 * canonical quantities, `{"cpu":"1","memory":"2432Mi","nvidia.com/gpu":"1"}`;
 * the value in memory is scheduler units (millicores, bytes).
 */
export const executorResourcesCodec: Codec<ResourceList> = {
  key: EXECUTOR_RESOURCES,
  format: (list) => JSON.stringify(formatResourceMap(list)),
  parse(text) {
    const v = parseJson(EXECUTOR_RESOURCES, text);
    return v instanceof Error ? v : parseResourceMap(EXECUTOR_RESOURCES, v, 'the value');
  },
};

/** The executor container's requests/limits as one layer of gangplank.io/executor-resource-layers. */
function parseLists(key: string, v: unknown, what: string): ResourceLists | Error {
  if (!isMap(v)) return fail(key, `${what} must be an object with requests and/or limits`);
  const out: { requests?: Record<string, string>; limits?: Record<string, string> } = {};
  for (const part of ['requests', 'limits'] as const) {
    if (v[part] === undefined) continue;
    const r = parseResourceMap(key, v[part], `${what}.${part}`);
    if (r instanceof Error) return r;
    out[part] = formatResourceMap(r);
  }
  return out;
}

function formatLists(l: ResourceLists): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const part of ['requests', 'limits'] as const) {
    const r = l[part];
    if (r === undefined) continue;
    const units: ResourceList = {};
    for (const [k, q] of Object.entries(r)) units[k] = toSchedulerUnits(k, q);
    out[part] = formatResourceMap(units);
  }
  return out;
}

const MAX_LAYER_CONTAINERS = 16;

/**
 * gangplank.io/executor-resource-layers: what the profile's executor
 * template and overrides do to an executor's resources (resource-layers.ts).
 * Quantities are kept in canonical form, so parse(format(x)) = x for
 * canonical x.
 */
export const executorResourceLayersCodec: Codec<ExecutorResourceLayers> = {
  key: EXECUTOR_RESOURCE_LAYERS,
  format(l) {
    const out: Record<string, unknown> = {};
    if (l.template) out.template = formatLists(l.template);
    if (l.overrides) out.overrides = formatLists(l.overrides);
    if (l.containers?.length) out.containers = l.containers.map(formatLists);
    if (l.initContainers?.length) out.initContainers = l.initContainers.map((c) => ({ ...formatLists(c), ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}) }));
    return JSON.stringify(out);
  },
  parse(text) {
    const key = EXECUTOR_RESOURCE_LAYERS;
    const v = parseJson(key, text);
    if (v instanceof Error) return v;
    if (!isMap(v)) return fail(key, 'must be a JSON object');
    const out: { -readonly [P in keyof ExecutorResourceLayers]: ExecutorResourceLayers[P] } = {};
    for (const part of ['template', 'overrides'] as const) {
      if (v[part] === undefined) continue;
      const l = parseLists(key, v[part], part);
      if (l instanceof Error) return l;
      out[part] = l;
    }
    for (const part of ['containers', 'initContainers'] as const) {
      const list = v[part];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.length > MAX_LAYER_CONTAINERS) return fail(key, `${part} must be a list of at most ${MAX_LAYER_CONTAINERS}`);
      const parsed: (ResourceLists & { restartPolicy?: string })[] = [];
      for (const [i, c] of list.entries()) {
        const l = parseLists(key, c, `${part}[${i}]`);
        if (l instanceof Error) return l;
        const policy = isMap(c) ? c.restartPolicy : undefined;
        if (policy !== undefined && policy !== 'Always') return fail(key, `${part}[${i}].restartPolicy may only be Always`);
        parsed.push(part === 'initContainers' && policy ? { ...l, restartPolicy: policy } : l);
      }
      if (parsed.length > 0) out[part] = parsed;
    }
    return out;
  },
};

// ---- executor placement constraints ----

/**
 * Where a pod may run, as far as node eligibility goes: nodeSelector,
 * tolerations and the required node affinity. One type for the webhook
 * (which records executors' constraints) and the planner (which matches
 * them against nodes).
 */
export interface PlacementConstraints {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly V1Toleration[];
  readonly requiredNodeAffinity?: V1NodeSelector;
}

/** A pod's own constraints (only the parts that decide node eligibility). */
export function podConstraints(pod: { spec?: { nodeSelector?: Record<string, string>; tolerations?: V1Toleration[]; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: V1NodeSelector } } } }): PlacementConstraints {
  const spec = pod.spec;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return {
    nodeSelector: { ...(spec?.nodeSelector ?? {}) },
    tolerations: [...(spec?.tolerations ?? [])],
    ...(required ? { requiredNodeAffinity: required } : {}),
  };
}

const TOLERATION_FIELDS = ['key', 'operator', 'value', 'effect'] as const;
const MAX_ENTRIES = 256;

function parseToleration(t: unknown): V1Toleration | undefined {
  if (!isMap(t)) return undefined;
  const out: V1Toleration = {};
  for (const [k, v] of Object.entries(t)) {
    if ((TOLERATION_FIELDS as readonly string[]).includes(k)) {
      if (typeof v !== 'string') return undefined;
      (out as Record<string, unknown>)[k] = v;
    } else if (k === 'tolerationSeconds') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return undefined;
      out.tolerationSeconds = v;
    } else {
      return undefined;
    }
  }
  return out;
}

function parseNodeSelector(v: unknown): V1NodeSelector | undefined {
  if (!isMap(v) || !Array.isArray(v.nodeSelectorTerms) || v.nodeSelectorTerms.length > MAX_ENTRIES) return undefined;
  for (const term of v.nodeSelectorTerms) {
    if (!isMap(term)) return undefined;
    for (const part of ['matchExpressions', 'matchFields'] as const) {
      const reqs = term[part];
      if (reqs === undefined) continue;
      if (!Array.isArray(reqs) || reqs.length > MAX_ENTRIES) return undefined;
      for (const r of reqs) {
        if (!isMap(r) || typeof r.key !== 'string' || typeof r.operator !== 'string') return undefined;
        if (r.values !== undefined && !(Array.isArray(r.values) && r.values.length <= MAX_ENTRIES && r.values.every((x) => typeof x === 'string'))) return undefined;
      }
    }
  }
  return v as unknown as V1NodeSelector;
}

/**
 * gangplank.io/executor-constraints, written only when executors are
 * placed differently from the driver:
 * `{"nodeSelector":{…},"tolerations":[…],"requiredNodeAffinity":{"nodeSelectorTerms":[…]}}`.
 */
export const executorConstraintsCodec: Codec<PlacementConstraints> = {
  key: EXECUTOR_CONSTRAINTS,
  format(c) {
    const out: Record<string, unknown> = { nodeSelector: c.nodeSelector, tolerations: c.tolerations };
    if (c.requiredNodeAffinity) out.requiredNodeAffinity = c.requiredNodeAffinity;
    return JSON.stringify(out);
  },
  parse(text) {
    const key = EXECUTOR_CONSTRAINTS;
    const v = parseJson(key, text);
    if (v instanceof Error) return v;
    if (!isMap(v)) return fail(key, 'must be a JSON object');
    const ns = v.nodeSelector ?? {};
    if (!isMap(ns) || Object.keys(ns).length > MAX_ENTRIES || !Object.values(ns).every((x) => typeof x === 'string')) return fail(key, 'nodeSelector must be an object of strings');
    const tol = v.tolerations ?? [];
    if (!Array.isArray(tol) || tol.length > MAX_ENTRIES) return fail(key, 'tolerations must be a list');
    const tolerations: V1Toleration[] = [];
    for (const t of tol) {
      const parsed = parseToleration(t);
      if (!parsed) return fail(key, `holds a toleration that is not one: ${JSON.stringify(t).slice(0, 80)}`);
      tolerations.push(parsed);
    }
    let requiredNodeAffinity: V1NodeSelector | undefined;
    if (v.requiredNodeAffinity !== undefined) {
      requiredNodeAffinity = parseNodeSelector(v.requiredNodeAffinity);
      if (!requiredNodeAffinity) return fail(key, 'requiredNodeAffinity must be a NodeSelector ({nodeSelectorTerms: [...]})');
    }
    return { nodeSelector: ns as Record<string, string>, tolerations, ...(requiredNodeAffinity ? { requiredNodeAffinity } : {}) };
  },
};
