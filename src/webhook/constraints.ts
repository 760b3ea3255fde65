// The executors' placement constraints, recorded on the driver when they
// differ from the driver's own, so that the extender can reserve executor
// room on nodes the executors will actually be allowed on.
//
// Annotation gangplank.io/executor-constraints (JSON):
//   {"nodeSelector": {...}, "tolerations": [...], "requiredNodeAffinity": {nodeSelectorTerms: [...]}}
// nodeSelector and tolerations are always present (possibly empty);
// requiredNodeAffinity (a core/v1 NodeSelector) only when the executors have one.
// Absent annotation: the executors are constrained as the driver is.
import type { V1NodeSelector, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { DEFAULT_NOEXECUTE_TAINTS } from './keys.js';
import { canonicalJson, isObj } from './objects.js';

export interface PlacementConstraints {
  nodeSelector: Record<string, string>;
  tolerations: V1Toleration[];
  requiredNodeAffinity?: V1NodeSelector;
}

export function constraintsOf(pod: V1Pod): PlacementConstraints {
  const spec = pod.spec;
  const out: PlacementConstraints = {
    nodeSelector: { ...(spec?.nodeSelector ?? {}) },
    tolerations: [...(spec?.tolerations ?? [])],
  };
  const req = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req) out.requiredNodeAffinity = req;
  return out;
}

/** The tolerations the API server's DefaultTolerationSeconds plugin adds to every new pod. */
export function withDefaultTolerations(tolerations: readonly V1Toleration[]): V1Toleration[] {
  const out = [...tolerations];
  for (const key of DEFAULT_NOEXECUTE_TAINTS) {
    const covered = out.some((t) => (t.key === key || (t.key === undefined && t.operator === 'Exists')) && (t.effect === 'NoExecute' || t.effect === undefined));
    if (!covered) out.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  return out;
}

/** A toleration's identity: its five fields (absent and "" differ, as in canonical JSON). */
function tolerationKey(t: V1Toleration): string {
  return JSON.stringify([t.key ?? null, t.operator ?? null, t.value ?? null, t.effect ?? null, t.tolerationSeconds ?? null]);
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

/** Compare as sets: toleration order (and repetition) does not matter to the scheduler. */
export function sameConstraints(a: PlacementConstraints, b: PlacementConstraints): boolean {
  if (!sameMap(a.nodeSelector, b.nodeSelector)) return false;
  const ta = new Set(a.tolerations.map(tolerationKey));
  const tb = new Set(b.tolerations.map(tolerationKey));
  if (ta.size !== tb.size || ![...ta].every((k) => tb.has(k))) return false;
  return canonicalJson(a.requiredNodeAffinity ?? null) === canonicalJson(b.requiredNodeAffinity ?? null);
}

export function formatConstraints(c: PlacementConstraints): string {
  const out: Record<string, unknown> = { nodeSelector: c.nodeSelector, tolerations: c.tolerations };
  if (c.requiredNodeAffinity) out.requiredNodeAffinity = c.requiredNodeAffinity;
  return JSON.stringify(out);
}

/** Parse the annotation back (for the planner, and to keep a user's own); undefined when malformed. */
export function parseConstraints(text: string): PlacementConstraints | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(v)) return undefined;
  const ns = v.nodeSelector ?? {};
  const tol = v.tolerations ?? [];
  if (!isObj(ns) || !Object.values(ns).every((x) => typeof x === 'string')) return undefined;
  if (!Array.isArray(tol) || !tol.every(isObj)) return undefined;
  const req = v.requiredNodeAffinity;
  if (req !== undefined && !(isObj(req) && Array.isArray(req.nodeSelectorTerms))) return undefined;
  const out: PlacementConstraints = { nodeSelector: ns as Record<string, string>, tolerations: tol as V1Toleration[] };
  if (req !== undefined) out.requiredNodeAffinity = req as unknown as V1NodeSelector;
  return out;
}
