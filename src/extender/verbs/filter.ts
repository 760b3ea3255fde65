// POST /filter. PLUMBING ONLY (issue 2): passes every candidate node. The
// gang planner replaces this body in the extender issue.
import type { ExtenderArgs, ExtenderFilterResult } from '../../k8s/wire.js';
import { candidateNames, malformedExtenderArgs } from '../args.js';
import type { ExtenderVerb } from '../verb.js';

export const filterVerb: ExtenderVerb<ExtenderArgs, ExtenderFilterResult> = {
  name: 'filter',
  wireName: 'ExtenderArgs',
  malformed: malformedExtenderArgs,
  handle(args) {
    const names = candidateNames(args);
    return Array.isArray(args.NodeNames) ? { NodeNames: names, FailedNodes: {} } : { Nodes: args.Nodes ?? null, FailedNodes: {} };
  },
  onError: (err) => ({ Error: String(err), FailedNodes: {} }),
};
