// Applying a profile's pod template (defaults: the pod wins, as with Spark's
// own spark.kubernetes.*.podTemplateFile) and its overrides (they win over
// the pod). Both work in place on a pod the caller has already copied.
//
// Rules (docs/webhook.md, "Merge rules"):
// - metadata: labels and annotations only; template adds absent keys, overrides set keys.
// - containers: matched by name, else the first unmatched template container
//   goes to Spark's main container; other template containers are added.
//   env, ports and volumeMounts merge by name; resources key by key.
// - volumes and imagePullSecrets by name; tolerations are a union without
//   duplicates (overrides cannot remove one); nodeSelector and other objects
//   merge key by key; other arrays and scalars: the winner's value.
// - `default-scheduler` and the `default` service account are what the API
//   server fills in when the pod named none, so a template may replace them.
import type { V1Pod } from '@kubernetes/client-node';
import type { PodFragment } from '../config/index.js';
import { DEFAULT_SCHEDULER, DEFAULT_SERVICE_ACCOUNT } from '../contract/keys.js';
import { mergeResourceLists, type ResourceLists } from '../contract/resource-layers.js';
import { mainContainerIndex, type SparkRole } from '../contract/spark-pod.js';
import { clone, deepDefault, deepOverride, isObj, unionList, type Obj } from './objects.js';

export type Mode = 'template' | 'overrides';
export type Warn = (message: string) => void;

const KEYED_BY_NAME = ['volumes', 'imagePullSecrets'] as const;

function asObj(pod: V1Pod): Obj {
  return pod as unknown as Obj;
}

function ensureObj(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObj(v)) return v;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function mergeMap(target: Obj, src: unknown, mode: Mode): void {
  if (!isObj(src)) return;
  for (const [k, v] of Object.entries(src)) {
    if (mode === 'overrides' || target[k] === undefined) target[k] = clone(v);
  }
}

/** Merge two lists of objects keyed by `key(item)`; items without a key are kept/added as they are. */
function mergeKeyed(target: Obj[], src: readonly unknown[], mode: Mode, key: (o: Obj) => string | undefined, skip?: (o: Obj) => boolean): Obj[] {
  const out = [...target];
  for (const s of src) {
    if (!isObj(s)) continue;
    const k = key(s);
    const i = k === undefined ? -1 : out.findIndex((t) => key(t) === k);
    if (i < 0) {
      if (!skip?.(s)) out.push(clone(s));
    } else if (mode === 'overrides') {
      out[i] = clone(s);
    }
  }
  return out;
}

const byName = (o: Obj): string | undefined => (typeof o.name === 'string' ? o.name : undefined);
const portKey = (o: Obj): string | undefined =>
  typeof o.name === 'string' ? `name:${o.name}` : o.containerPort !== undefined ? `port:${String(o.containerPort)}/${String(o.protocol ?? 'TCP')}` : undefined;

/** Resources, key by key (the rule is contract/resource-layers.ts, shared with the extender). */
function mergeResources(container: Obj, src: unknown, mode: Mode, warn: Warn): void {
  if (!isObj(src)) return;
  const res = ensureObj(container, 'resources');
  const merged = mergeResourceLists(
    { requests: isObj(res.requests) ? res.requests : {}, limits: isObj(res.limits) ? res.limits : {} },
    { requests: clone(src.requests), limits: clone(src.limits) },
    mode,
    String(container.name ?? ''),
    warn,
  );
  if (Object.keys(merged.requests).length > 0) res.requests = merged.requests;
  if (Object.keys(merged.limits).length > 0) res.limits = merged.limits;
  if (Object.keys(res).length === 0) delete container.resources;
}

function mergeContainer(target: Obj, src: Obj, mode: Mode, warn: Warn): void {
  const rest: Obj = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'name') continue; // the pod's container keeps its own name
    if (k === 'env' && Array.isArray(v)) {
      target.env = mergeKeyed(Array.isArray(target.env) ? (target.env as Obj[]) : [], v, mode, byName);
    } else if (k === 'ports' && Array.isArray(v)) {
      target.ports = mergeKeyed(Array.isArray(target.ports) ? (target.ports as Obj[]) : [], v, mode, portKey);
    } else if (k === 'volumeMounts' && Array.isArray(v)) {
      const current = Array.isArray(target.volumeMounts) ? (target.volumeMounts as Obj[]) : [];
      // Two mounts on one path make the pod invalid: a template mount never takes an occupied path.
      const taken = (o: Obj): boolean => current.some((c) => c.mountPath === o.mountPath && c.name !== o.name);
      target.volumeMounts = mergeKeyed(current, v, mode, byName, taken);
    } else if (k === 'envFrom' && Array.isArray(v)) {
      target.envFrom = unionList(Array.isArray(target.envFrom) ? target.envFrom : [], v);
    } else if (k === 'resources') {
      mergeResources(target, v, mode, warn);
    } else {
      rest[k] = v;
    }
  }
  if (mode === 'template') deepDefault(target, rest);
  else deepOverride(target, rest);
}

/**
 * Where each container of a fragment goes in `containers`: an index to merge
 * into, 'add' (a new named container) or 'skip' (unnamed and unmatched).
 * Spark's rule for templates: a container that names none of the pod's goes
 * to the main container (when no fragment container names it).
 */
function assignContainers(containers: readonly Obj[], srcs: readonly Obj[], mainIdx: number, allowMain: boolean): (number | 'add' | 'skip')[] {
  const names = new Set(containers.map(byName));
  const mainNamed = mainIdx >= 0 && srcs.some((s) => s.name === containers[mainIdx]?.name);
  let mainFree = allowMain && mainIdx >= 0 && !mainNamed;
  return srcs.map((s) => {
    const i = typeof s.name === 'string' ? containers.findIndex((c) => c.name === s.name) : -1;
    if (i >= 0) return i;
    if (mainFree && !(typeof s.name === 'string' && names.has(s.name))) {
      mainFree = false;
      return mainIdx;
    }
    return typeof s.name === 'string' && s.name !== '' ? 'add' : 'skip';
  });
}

function mergeContainers(spec: Obj, key: 'containers' | 'initContainers', src: unknown, mode: Mode, mainIdx: number, warn: Warn): void {
  if (!Array.isArray(src)) return;
  const containers = Array.isArray(spec[key]) ? (spec[key] as Obj[]) : [];
  const srcs = src.filter(isObj);
  const targets = assignContainers(containers, srcs, mainIdx, key === 'containers');
  srcs.forEach((s, n) => {
    const t = targets[n];
    if (typeof t === 'number') mergeContainer(containers[t] as Obj, s, mode, warn);
    else if (t === 'add') containers.push(clone(s));
    else warn(`a ${key === 'containers' ? 'container' : 'init container'} in the profile has no name and matches none; not added`);
  });
  spec[key] = containers;
}

/** The resources of the fragment container mergeFragment would merge into the pod's main container, if any. */
export function mainContainerResources(pod: V1Pod, fragment: PodFragment, role: SparkRole): ResourceLists | undefined {
  const src = isObj(fragment.spec) ? fragment.spec.containers : undefined;
  if (!Array.isArray(src)) return undefined;
  const containers = (pod.spec?.containers ?? []) as unknown as Obj[];
  const mainIdx = mainContainerIndex(pod, role);
  const srcs = src.filter(isObj);
  const targets = assignContainers(containers, srcs, mainIdx, true);
  const n = targets.indexOf(mainIdx);
  const res = n >= 0 ? (srcs[n] as Obj).resources : undefined;
  if (!isObj(res)) return undefined;
  const out: { requests?: Record<string, string>; limits?: Record<string, string> } = {};
  if (isObj(res.requests) && Object.keys(res.requests).length > 0) out.requests = res.requests as Record<string, string>;
  if (isObj(res.limits) && Object.keys(res.limits).length > 0) out.limits = res.limits as Record<string, string>;
  return out.requests || out.limits ? out : undefined;
}

/** Apply a template (mode 'template') or overrides (mode 'overrides') to `pod` in place. */
export function mergeFragment(pod: V1Pod, fragment: PodFragment, role: SparkRole, mode: Mode, warn: Warn): void {
  const p = asObj(pod);
  const meta = isObj(fragment.metadata) ? fragment.metadata : {};
  for (const key of ['labels', 'annotations'] as const) {
    if (isObj(meta[key]) && Object.keys(meta[key]).length > 0) mergeMap(ensureObj(ensureObj(p, 'metadata'), key), meta[key], mode);
  }
  if (!isObj(fragment.spec)) return;
  const spec = ensureObj(p, 'spec');
  const src = fragment.spec;
  const mainIdx = mainContainerIndex(pod, role);
  const rest: Obj = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'containers' || k === 'initContainers') {
      mergeContainers(spec, k, v, mode, mainIdx, warn);
    } else if ((KEYED_BY_NAME as readonly string[]).includes(k) && Array.isArray(v)) {
      spec[k] = mergeKeyed(Array.isArray(spec[k]) ? (spec[k] as Obj[]) : [], v, mode, byName);
    } else if (k === 'tolerations' && Array.isArray(v)) {
      spec.tolerations = unionList(Array.isArray(spec.tolerations) ? spec.tolerations : [], v);
    } else if (k === 'nodeSelector') {
      if (isObj(v) && Object.keys(v).length > 0) mergeMap(ensureObj(spec, 'nodeSelector'), v, mode);
    } else if (mode === 'template' && k === 'schedulerName' && spec.schedulerName === DEFAULT_SCHEDULER) {
      spec.schedulerName = v;
    } else if (mode === 'template' && k === 'serviceAccountName' && (spec.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT) === DEFAULT_SERVICE_ACCOUNT) {
      setServiceAccount(spec, v);
    } else if (mode === 'overrides' && k === 'serviceAccountName') {
      setServiceAccount(spec, v);
    } else if (k !== 'serviceAccount') {
      rest[k] = v;
    }
  }
  if (mode === 'template') deepDefault(spec, rest);
  else deepOverride(spec, rest);
}

/** serviceAccountName and its deprecated twin serviceAccount must agree. */
function setServiceAccount(spec: Obj, name: unknown): void {
  if (typeof name !== 'string') return;
  spec.serviceAccountName = name;
  if (spec.serviceAccount !== undefined) spec.serviceAccount = name;
}
