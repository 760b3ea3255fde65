// POST /prioritize. PLUMBING ONLY (issue 2): scores every node 0.
import type { ExtenderArgs, HostPriorityList } from '../../k8s/wire.js';
import { candidateNames, malformedExtenderArgs } from '../args.js';
import type { ExtenderVerb } from '../verb.js';

export const prioritizeVerb: ExtenderVerb<ExtenderArgs, HostPriorityList> = {
  name: 'prioritize',
  wireName: 'ExtenderArgs',
  malformed: malformedExtenderArgs,
  handle: (args) => candidateNames(args).map((Host) => ({ Host, Score: 0 })),
  onError: () => [],
};
