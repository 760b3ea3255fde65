// POST /prioritize: a thin adapter over src/gang/score.ts (scores 0..10:
// the planned node highest, else best fit per node and zone, plus closeness
// to the gang's other members).
import type { V1Pod } from '@kubernetes/client-node';
import { scoreNodes } from '../../gang/score.js';
import type { ExtenderArgs, HostPriorityList } from '../../k8s/wire.js';
import { candidateNames, malformedExtenderArgs } from '../args.js';
import { encodeHostPriorities } from '../encode.js';
import type { ExtenderState } from '../state.js';
import type { ExtenderVerb } from '../verb.js';

/** What the prioritize verb may see of the extender state. */
export type PrioritizeView = Pick<ExtenderState, 'config' | 'context' | 'index' | 'ledger'>;

/** Decode, score with the pure scoring of src/gang/score.ts, encode. */
export function prioritize(state: PrioritizeView, pod: V1Pod, names: readonly string[]): HostPriorityList {
  const { staleTopology } = state.context();
  return scoreNodes({ index: state.index, ledger: state.ledger, numaResources: state.config.numaResources, ...(staleTopology ? { staleTopology } : {}) }, pod, names);
}

export function createPrioritizeVerb(state: PrioritizeView): ExtenderVerb<ExtenderArgs, HostPriorityList> {
  return {
    name: 'prioritize',
    wireName: 'ExtenderArgs',
    malformed: malformedExtenderArgs,
    handle: (args) => prioritize(state, args.Pod, candidateNames(args)),
    onError: () => [],
    encode: encodeHostPriorities,
  };
}
