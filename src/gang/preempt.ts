// Gang-aware preemption: the extender's preempt verb (KEP-1819 "Scheduler
// extender", Preempt; k8s.io/kube-scheduler/extender/v1 ExtenderPreemptionArgs
// and ExtenderPreemptionResult; pkg/scheduler/extender.go ProcessPreemption).
// After kube-scheduler's DefaultPreemption has picked, per candidate node, the
// fewest lowest-priority pods whose removal lets the preemptor fit, it asks
// the extender to confirm or change each node's victims; a node left out of
// the answer is not preempted on. kube-scheduler then evicts the victims of
// ONE node. So, for each candidate node (pure; the verb translates):
//
// - A victim in a gang takes its whole gang with it: every member bound on
//   this node becomes a victim too, and the gang's reservations on this node
//   are freed with it. A gang that has members bound on another node, or
//   holds reservations on another node, cannot go whole by evicting one
//   node's pods: the node is refused (the whole gang or nothing).
// - A gang member whose priority is not below the preemptor's is never made a
//   victim (kube-scheduler only picks lower-priority pods; expanding to the
//   gang must not widen that): the node is refused.
// - The preemptor must fit in what the node then has free, counting the
//   reservations other gangs hold there (kube-scheduler's own check knows
//   nothing of them): evicting pods whose room a reservation would still
//   hold only kills them for nothing, so such a node is refused.
// - A preemptor that is itself a gang's driver or co-created member gets no
//   victims: a gang needs room on several nodes and preemption frees one,
//   and a gang that does not fit answers filter with
//   FailedAndUnresolvableNodes anyway. Executors and pods in no gang are
//   ordinary preemptors.
import type { V1Pod } from '@kubernetes/client-node';
import type { ResourceList } from '../k8s/resources.js';
import { effectiveMembership, type GangContext } from './admit.js';
import { podUsage } from './capacity.js';
import { shapeText } from './messages.js';
import { Room } from './room.js';

export interface NodeVictims {
  readonly uids: readonly string[];
  readonly numPDBViolations: number;
}

export interface PreemptDecision {
  /** Nodes kube-scheduler may preempt on, each with its (possibly widened) victims. */
  readonly nodes: Readonly<Record<string, NodeVictims>>;
  /** Why each other candidate node was refused (for the log and the tests). */
  readonly refused: Readonly<Record<string, string>>;
}

const priorityOf = (p: V1Pod): number => p.spec?.priority ?? 0;

export function decidePreemption(ctx: Pick<GangContext, 'index' | 'ledger' | 'podGroups'>, preemptor: V1Pod, candidates: Readonly<Record<string, NodeVictims>>): PreemptDecision {
  const nodes: Record<string, NodeVictims> = {};
  const refused: Record<string, string> = {};
  const pm = effectiveMembership(ctx, preemptor);
  if (pm && pm.role !== 'executor') {
    for (const n of Object.keys(candidates)) refused[n] = `preemptor is in gang ${pm.gang.key}: Gangplank does not preempt for gangs (one node's victims cannot make room for a gang)`;
    return { nodes, refused };
  }
  const need = podUsage(preemptor);
  const prio = priorityOf(preemptor);
  const room = new Room(ctx.index, ctx.ledger);
  node: for (const [node, v] of Object.entries(candidates)) {
    const victims = new Set(v.uids);
    const gangs = new Set<string>();
    for (const uid of v.uids) {
      const f = ctx.index.pod(uid);
      if (!f) continue;
      const m = effectiveMembership(ctx, f.pod);
      if (m) gangs.add(m.gang.key);
    }
    // Room the victims' gangs hold on this node, freed with them.
    const released: ResourceList = {};
    for (const key of gangs) {
      const plan = ctx.ledger.get(key);
      for (const s of plan?.slots ?? []) {
        if (s.consumedBy) continue;
        if (s.node !== node) {
          refused[node] = `gang ${key} holds room on ${s.node} too: it cannot be evicted whole from ${node}`;
          continue node;
        }
        for (const [r, q] of Object.entries(s.requests)) released[r] = (released[r] ?? 0) + q;
      }
      for (const member of ctx.index.gangMembers(key)) {
        if (!member.node) continue;
        if (member.node !== node) {
          refused[node] = `gang ${key} has ${member.name} on ${member.node}: it cannot be evicted whole from ${node}`;
          continue node;
        }
        if (priorityOf(member.pod) >= prio) {
          refused[node] = `gang ${key} member ${member.name} has priority ${priorityOf(member.pod)}, not below the preemptor's ${prio}`;
          continue node;
        }
        victims.add(member.uid);
      }
    }
    // What the node has free once the victims (and their gangs' room here) are gone.
    const short: string[] = [];
    for (const [r, q] of Object.entries(need)) {
      let free = room.nodeFree(node, r) + (released[r] ?? 0);
      for (const uid of victims) free += ctx.index.pod(uid)?.usage[r] ?? 0;
      if (q > free) short.push(`needs ${shapeText({ [r]: q })}, would have ${shapeText({ [r]: Math.max(0, free) })}`);
    }
    if (short.length > 0) {
      refused[node] = `the preemptor would still not fit beside the reservations on ${node} (${short.join(', ')})`;
      continue;
    }
    nodes[node] = { uids: [...victims], numPDBViolations: v.numPDBViolations };
  }
  return { nodes, refused };
}
