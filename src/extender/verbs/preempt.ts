// POST /preempt: decode, decide (src/gang/preempt.ts), encode. kube-scheduler
// sends NodeNameToMetaVictims (pods by uid) to a nodeCacheCapable extender,
// else NodeNameToVictims (whole pods); the answer is always by uid
// (pkg/scheduler/extender.go ProcessPreemption). Error policy: a failure
// while deciding answers no node at all, so nothing is preempted (never part
// of a gang by accident).
import type { V1Pod } from '@kubernetes/client-node';
import { decidePreemption, type NodeVictims } from '../../gang/preempt.js';
import type { ExtenderPreemptionArgs, ExtenderPreemptionResult, MetaVictims } from '../../k8s/wire.js';
import { malformedPreemptionArgs } from '../args.js';
import type { ExtenderState } from '../state.js';
import type { ExtenderVerb } from '../verb.js';

function candidates(args: ExtenderPreemptionArgs): Record<string, NodeVictims> {
  const out: Record<string, NodeVictims> = {};
  for (const [node, v] of Object.entries(args.NodeNameToMetaVictims ?? {})) {
    out[node] = { uids: (v?.Pods ?? []).map((p) => p.UID), numPDBViolations: v?.NumPDBViolations ?? 0 };
  }
  for (const [node, v] of Object.entries(args.NodeNameToVictims ?? {})) {
    out[node] = { uids: (v?.Pods ?? []).map((p: V1Pod) => p.metadata?.uid ?? ''), numPDBViolations: v?.NumPDBViolations ?? 0 };
  }
  return out;
}

/** What the preempt verb may see of the extender state. */
export type PreemptView = Pick<ExtenderState, 'cacheProblem' | 'context' | 'tick'>;

export function createPreemptVerb(state: PreemptView): ExtenderVerb<ExtenderPreemptionArgs, ExtenderPreemptionResult> {
  return {
    name: 'preempt',
    wireName: 'ExtenderPreemptionArgs',
    malformed: malformedPreemptionArgs,
    handle(args, log) {
      const problem = state.cacheProblem();
      const pod = `${args.Pod.metadata?.namespace ?? 'default'}/${args.Pod.metadata?.name ?? ''}`;
      if (problem) {
        log.warn({ pod, reason: problem }, 'preemption refused: caches not usable');
        return { NodeNameToMetaVictims: {} };
      }
      state.tick();
      const d = decidePreemption(state.context(), args.Pod, candidates(args));
      const out: Record<string, MetaVictims> = {};
      for (const [node, v] of Object.entries(d.nodes)) out[node] = { Pods: v.uids.map((UID) => ({ UID })), NumPDBViolations: v.numPDBViolations };
      log.info({ pod, nodes: Object.keys(out), refused: d.refused }, 'preemption candidates');
      return { NodeNameToMetaVictims: out };
    },
    onError: () => ({ NodeNameToMetaVictims: {} }),
  };
}
