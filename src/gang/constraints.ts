// Placement constraints of pods that do not exist yet (reserved executors),
// and a matcher for them: the in-tree filters never see those pods, so the
// planner must check nodeSelector, required node affinity, taints and
// spec.unschedulable itself, with the scheduler's semantics
// (k8s.io/component-helpers/scheduling/corev1: MatchNodeSelectorTerms,
// FindMatchingUntoleratedTaint; TaintToleration filters only NoSchedule and
// NoExecute; NodeUnschedulable is tolerated by node.kubernetes.io/unschedulable).
import type { V1Node, V1NodeSelector, V1NodeSelectorRequirement, V1Pod, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { executorConstraintsCodec, podConstraints, type PlacementConstraints } from '../contract/annotations.js';
import { EXECUTOR_CONSTRAINTS } from '../contract/keys.js';

export type { PlacementConstraints };

/**
 * The executors' constraints: gangplank.io/executor-constraints on the driver
 * (the webhook writes it where the executor template differs), else the
 * driver's own. A malformed annotation is an error, not a silent default.
 */
export function executorConstraints(driver: V1Pod): PlacementConstraints | Error {
  const raw = driver.metadata?.annotations?.[EXECUTOR_CONSTRAINTS];
  return raw === undefined ? podConstraints(driver) : executorConstraintsCodec.parse(raw);
}

function toleratesTaint(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  // An empty key with operator Exists tolerates everything.
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

export function tolerates(tolerations: readonly V1Toleration[] | undefined, taint: V1Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

function matchRequirement(req: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(values[0] as string, 10);
      if (!Number.isInteger(have) || !Number.isInteger(want)) return false;
      return req.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** Terms are ORed; within a term every expression and field is ANDed; an empty term matches nothing. */
export function matchNodeSelector(sel: V1NodeSelector, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  return sel.nodeSelectorTerms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return (
      exprs.every((e) => matchRequirement(e, labels[e.key])) &&
      fields.every((f) => matchRequirement(f, f.key === 'metadata.name' ? node.metadata?.name : undefined))
    );
  });
}

/** Why `node` cannot take a pod with these constraints, or null if it can. */
export function nodeMismatch(node: V1Node, c: PlacementConstraints): string | null {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(c.nodeSelector)) {
    if (labels[k] !== v) return `node selector ${k}=${v} does not match`;
  }
  const required = c.requiredNodeAffinity;
  if (required && !matchNodeSelector(required, node)) return 'required node affinity does not match';
  if (node.spec?.unschedulable && !tolerates(c.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) {
    return 'node is unschedulable';
  }
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerates(c.tolerations, taint)) return `untolerated taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
  }
  return null;
}

/** A stable key for caching eligibility per constraint set. */
export function constraintsKey(c: PlacementConstraints): string {
  return JSON.stringify([c.nodeSelector, c.tolerations, c.requiredNodeAffinity ?? null]);
}
