// Why a pod is pending, or where it would go, in numbers (issue 11): every
// node grouped by the reason it cannot take the pod, and the extender's own
// verdict from src/gang/admit.ts run on the same state the extender plans
// over. Pure over an ExtenderState (src/plugin/snapshot.ts builds one from a
// snapshot or the live API).
import type { V1Pod } from '@kubernetes/client-node';
import { podConstraints } from '../contract/annotations.js';
import type { ExtenderState } from '../extender/state.js';
import { admit, effectiveMembership, type Verdict } from '../gang/admit.js';
import { podUsage } from '../gang/capacity.js';
import { nodeMismatch } from '../gang/constraints.js';
import { plural } from '../gang/messages.js';
import { demand, Room } from '../gang/room.js';
import { formatUnits } from '../contract/resource-layers.js';
import type { ResourceList } from '../k8s/resources.js';
import { podNumaRequirement } from '../numa/policy.js';

export interface NodeGroup {
  /** `insufficient cpu`, `no single NUMA zone fits`, `held for gang spark/x`, `fits`… */
  readonly reason: string;
  /** Whether the scheduler's own filters (node selector, taints, NodeResourcesFit) already reject these nodes. */
  readonly inTree: boolean;
  readonly nodes: readonly string[];
}

export interface PlannedMember {
  readonly role: string;
  readonly node: string;
  readonly zone?: string;
  /** The pod pinned to the slot, or absent for an executor slot any executor may take. */
  readonly pod?: string;
  readonly bound: boolean;
  readonly resources: Readonly<Record<string, string>>;
}

export interface Explanation {
  readonly pod: string;
  readonly namespace: string;
  readonly bound?: string;
  /** The gang and the pod's role in it, when it is in one. */
  readonly gang?: { readonly key: string; readonly role: string };
  readonly verdict: Verdict['kind'];
  /** The extender's message (absent for a pod outside any gang that fits). */
  readonly message: string;
  /** Nodes the pod may take now (for a gang member: the nodes admit answers). */
  readonly nodes: readonly string[];
  readonly groups: readonly NodeGroup[];
  /** `insufficient cpu on 12 nodes, no single NUMA zone fits on 3, held for gang x on 2`. */
  readonly summary: string;
  /** The gang's plan (slots), when it has or would get one. */
  readonly plan?: readonly PlannedMember[];
  readonly needs: Readonly<Record<string, string>>;
}

/** Which resources a node lacks for `need` against `free`, or null. */
function short(need: ResourceList, free: (r: string) => number): string | null {
  const lacking = Object.keys(need).filter((r) => (need[r] ?? 0) > 0 && free(r) < (need[r] ?? 0));
  return lacking.length > 0 ? lacking.sort().join(', ') : null;
}

/**
 * The nodes the scheduler's in-tree filters pass to the extender: node
 * selector, required affinity, taints and unschedulable, and NodeResourcesFit
 * (allocatable − requests of pods on the node; reservations are Gangplank's,
 * the scheduler does not see them).
 */
export function schedulerCandidates(state: ExtenderState, pod: V1Pod): string[] {
  const c = podConstraints(pod);
  const need = podUsage(pod);
  return [...state.index.nodeNames()].filter((name) => {
    const n = state.index.node(name);
    if (!n || nodeMismatch(n.node, c) !== null) return false;
    const used = state.index.usedOn(name);
    return short(need, (r) => (n.allocatable[r] ?? 0) - (used[r] ?? 0)) === null;
  });
}

/** Every node grouped by why the pod itself cannot go there, reservations of other gangs included. */
export function groupNodes(state: ExtenderState, pod: V1Pod): NodeGroup[] {
  const c = podConstraints(pod);
  const need = podUsage(pod);
  const own = effectiveMembership(state.context(), pod)?.gang.key;
  const d = demand(need, podNumaRequirement(pod, state.config.numaResources));
  const room = new Room(state.index, state.ledger);
  const groups = new Map<string, { inTree: boolean; nodes: string[] }>();
  const add = (reason: string, inTree: boolean, node: string): void => {
    let g = groups.get(reason);
    if (!g) groups.set(reason, (g = { inTree, nodes: [] }));
    g.nodes.push(node);
  };
  for (const name of [...state.index.nodeNames()].sort()) {
    const n = state.index.node(name);
    if (!n) continue;
    const mismatch = nodeMismatch(n.node, c);
    if (mismatch) {
      add(mismatch.startsWith('node selector') ? 'node selector does not match' : mismatch.startsWith('untolerated taint') ? 'untolerated taint' : mismatch, true, name);
      continue;
    }
    const used = state.index.usedOn(name);
    const inTree = short(need, (r) => (n.allocatable[r] ?? 0) - (used[r] ?? 0));
    if (inTree) {
      add(`insufficient ${inTree}`, true, name);
      continue;
    }
    const f = room.fitsDemand(name, d);
    if (!f.ok) {
      if (f.numa === 'no_zone_fits') add('no single NUMA zone fits', false, name);
      else if (f.numa === 'no_topology') add('no NUMA topology', false, name);
      else if (f.numa === 'stale_topology') add('stale NUMA topology', false, name);
      else {
        // The scheduler's own fit passed: the room is held by reservations.
        const holders = new Set<string>();
        for (const g of state.ledger.gangs()) {
          if (g.id.key !== own && g.slots.some((s) => !s.consumedBy && s.node === name)) holders.add(g.id.key);
        }
        add(holders.size > 0 ? `held for ${holders.size === 1 ? 'gang' : 'gangs'} ${[...holders].sort().join(', ')}` : f.reason, false, name);
      }
      continue;
    }
    add(FITS, false, name);
  }
  return [...groups].map(([reason, g]) => ({ reason, inTree: g.inTree, nodes: g.nodes })).sort((a, b) => b.nodes.length - a.nodes.length || (a.reason < b.reason ? -1 : 1));
}

const FITS = 'fits';

export function summaryOf(groups: readonly NodeGroup[]): string {
  return groups.map((g) => `${g.reason} on ${plural(g.nodes.length, 'node')}`).join(', ');
}

/** The gang's plan in the (snapshot's) ledger. */
export function planOf(state: ExtenderState, key: string): PlannedMember[] | undefined {
  const g = state.ledger.get(key);
  if (!g) return undefined;
  const names = new Map<string, string>();
  for (const f of state.index.gangMembers(key)) names.set(f.uid, f.name);
  return g.slots.map((s) => {
    const who = s.consumedBy ?? s.podUid;
    return {
      role: s.role,
      node: s.node,
      ...(s.zone ? { zone: s.zone } : {}),
      ...(who && names.has(who) ? { pod: names.get(who) as string } : {}),
      bound: Boolean(s.consumedBy),
      resources: formatUnits(s.requests),
    };
  });
}

/**
 * Explain `pod` on `state`. Runs admit (which may plan the gang in this
 * state's ledger: the state is a throw-away copy of the cluster).
 */
export function explainPod(state: ExtenderState, pod: V1Pod): Explanation {
  const meta = pod.metadata ?? {};
  const m = effectiveMembership(state.context(), pod);
  const base = { pod: meta.name ?? '', namespace: meta.namespace ?? 'default', needs: formatUnits(podUsage(pod)), ...(m ? { gang: { key: m.gang.key, role: m.role } } : {}) };
  if (pod.spec?.nodeName) {
    const groups: NodeGroup[] = [];
    return { ...base, bound: pod.spec.nodeName, verdict: 'Ready', message: `bound to ${pod.spec.nodeName}`, nodes: [pod.spec.nodeName], groups, summary: '', ...(m ? { plan: planOf(state, m.gang.key) } : {}) };
  }
  // Grouped before admit: a plan it makes would count against its own gang's nodes.
  const raw = groupNodes(state, pod);
  const candidates = schedulerCandidates(state, pod);
  const verdict = admit(state.context(), pod, candidates);
  const nodes = verdict.kind === 'Ready' || verdict.kind === 'NotInGang' ? [...verdict.nodes] : [];
  const waits = verdict.kind === 'DoesNotFit';
  const groups = raw.map((g) => (g.reason === FITS && waits ? { ...g, reason: 'the pod fits, its gang does not' } : g));
  const message =
    verdict.kind === 'NotInGang' ? (nodes.length > 0 ? `fits on ${plural(nodes.length, 'node')} (no gang)` : `fits on no node (${summaryOf(groups)})`) : verdict.message;
  const plan = m ? planOf(state, m.gang.key) : undefined;
  return { ...base, verdict: verdict.kind, message, nodes, groups, summary: summaryOf(groups), ...(plan ? { plan } : {}) };
}
