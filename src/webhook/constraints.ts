// Comparing the executors' placement constraints with the driver's: the
// webhook records them on the driver (gangplank.io/executor-constraints,
// codec in contract/annotations.ts) only when they differ, so that the
// extender can reserve executor room on nodes the executors will actually be
// allowed on. Absent annotation: the executors are constrained as the driver is.
import type { V1Toleration } from '@kubernetes/client-node';
import type { PlacementConstraints } from '../contract/annotations.js';
import { DEFAULT_NOEXECUTE_TAINTS } from '../contract/keys.js';
import { canonicalJson } from './objects.js';

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

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
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
