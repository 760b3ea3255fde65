// POST /filter: decode, decide (src/gang/admit.ts), translate the domain
// verdict to ExtenderFilterResult. Error policy (docs/architecture.md,
// "Failure policy at each boundary"): never a node outside the input; a gang
// that cannot fit answers through FailedAndUnresolvableNodes (preempting
// would not help: reservations and gang room are not freed by evicting one
// pod); waiting is FailedNodes; unsynced or stale caches fail closed with the
// reason on every node.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { numaPolicyCodec } from '../../contract/annotations.js';
import { NUMA_POLICY } from '../../contract/keys.js';
import { admit, type Verdict } from '../../gang/admit.js';
import { gangId } from '../../gang/identity.js';
import { Reason } from '../../gang/messages.js';
import type { ExtenderArgs, ExtenderFilterResult, FailedNodesMap } from '../../k8s/wire.js';
import { candidateNames, malformedExtenderArgs } from '../args.js';
import { encodeFilterResult } from '../encode.js';
import type { ExtenderState } from '../state.js';
import type { ExtenderVerb } from '../verb.js';

function allFailed(names: readonly string[], message: string): FailedNodesMap {
  const out: FailedNodesMap = {};
  for (const n of names) out[n] = message;
  return out;
}

/**
 * The answer in the input's form (NodeNames or Nodes). `pass` must be drawn
 * from `names` (the call's candidates) in their order: every verdict builds
 * its node list by walking the candidates, so this holds by construction and
 * the property test checks it.
 */
function answer(args: ExtenderArgs, pass: readonly string[], failed: FailedNodesMap, unresolvable?: FailedNodesMap): ExtenderFilterResult {
  const out: ExtenderFilterResult = { FailedNodes: failed };
  if (unresolvable) out.FailedAndUnresolvableNodes = unresolvable;
  if (Array.isArray(args.NodeNames)) {
    out.NodeNames = [...pass];
  } else {
    const keep = new Set(pass);
    const items = (args.Nodes?.items ?? []).filter((n: V1Node) => keep.has(n.metadata?.name ?? ''));
    out.Nodes = { ...(args.Nodes ?? {}), items };
  }
  return out;
}

/** Verdict → wire. The only place the domain meets ExtenderFilterResult. */
export function toFilterResult(args: ExtenderArgs, names: readonly string[], v: Verdict): ExtenderFilterResult {
  switch (v.kind) {
    case 'Ready':
      // One node passes, so the scheduler neither preempts nor reports the
      // others; listing thousands of them would only cost time.
      return answer(
        args,
        v.nodes.filter((n) => names.includes(n)),
        {},
      );
    case 'NotInGang':
      return answer(args, v.nodes, { ...v.failed });
    case 'Wait':
      return answer(args, [], allFailed(names, v.message));
    case 'DoesNotFit':
      return answer(args, [], {}, allFailed(names, v.message));
  }
}

/** What the filter verb may see of the extender state (a narrow view, not the whole state). */
export type FilterView = Pick<ExtenderState, 'cacheProblem' | 'context' | 'metrics' | 'nodes' | 'noteVerdict' | 'notify' | 'pods' | 'refreshGauges' | 'rememberFiltered' | 'tick'>;

export function createFilterVerb(state: FilterView): ExtenderVerb<ExtenderArgs, ExtenderFilterResult> {
  return {
    name: 'filter',
    wireName: 'ExtenderArgs',
    malformed: malformedExtenderArgs,
    handle(args, log) {
      state.rememberFiltered(args.Pod);
      const names = candidateNames(args);
      const problem = state.cacheProblem();
      if (problem) {
        state.metrics.filterOutcomes.inc({ reason: state.pods.synced() && state.nodes.synced() ? Reason.CacheStale : Reason.CacheNotSynced });
        log.warn({ pod: podKey(args), reason: problem }, 'filter failed closed');
        return answer(args, [], allFailed(names, problem));
      }
      state.tick();
      reportUnknownNumaPolicy(state, args.Pod);
      const verdict = admit(state.context(), args.Pod, names);
      state.metrics.filterOutcomes.inc({ reason: verdict.kind });
      if (verdict.kind === 'NotInGang') {
        for (const [reason, n] of Object.entries(verdict.numaRejections)) state.metrics.numaRejections.inc({ reason }, n);
      } else {
        state.noteVerdict(args.Pod, verdict);
        // The pod as the scheduler sent it: its uid ties the Event to the pod for `kubectl describe`.
        const meta = args.Pod.metadata;
        const about = { gang: verdict.gang, namespace: meta?.namespace ?? 'default', name: meta?.name ?? '', uid: meta?.uid ?? '', resourceVersion: meta?.resourceVersion, message: verdict.message };
        if (verdict.kind === 'Wait') state.notify({ type: 'Normal', reason: 'GangWaiting', ...about });
        if (verdict.kind === 'DoesNotFit') state.notify({ type: 'Warning', reason: 'GangDoesNotFit', ...about });
        if (verdict.kind === 'Ready' && verdict.planned) {
          state.notify({ type: 'Normal', reason: 'GangReserved', ...about });
          state.refreshGauges();
        }
        log.debug({ pod: podKey(args), verdict: verdict.kind, message: verdict.message }, 'gang verdict');
      }
      return toFilterResult(args, names, verdict);
    },
    onError: (err) => ({ Error: String(err), FailedNodes: {} }),
    encode: encodeFilterResult,
  };
}

/**
 * A misspelt numa.scheduling.kubenexus.io/policy (`single-numa-nod`) silently
 * meant no alignment; now the pod says so in an Event (the webhook also warns
 * at admission, when it sees the pod).
 */
function reportUnknownNumaPolicy(state: Pick<ExtenderState, 'notify'>, pod: V1Pod): void {
  const raw = pod.metadata?.annotations?.[NUMA_POLICY];
  const policy = raw === undefined ? undefined : numaPolicyCodec.parse(raw);
  if (!(policy instanceof Error)) return;
  const meta = pod.metadata ?? {};
  const namespace = meta.namespace ?? 'default';
  state.notify({
    type: 'Warning',
    reason: 'NumaPolicyUnknown',
    gang: gangId(namespace, ''),
    namespace,
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
    message: policy.message,
  });
}

function podKey(args: ExtenderArgs): string {
  return `${args.Pod.metadata?.namespace ?? 'default'}/${args.Pod.metadata?.name ?? ''}`;
}
