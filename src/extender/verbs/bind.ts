// POST /bind: create the pod's Binding through the API.
import type { KubeClient } from '../../k8s/client.js';
import type { ExtenderBindingArgs, ExtenderBindingResult } from '../../k8s/wire.js';
import { malformedBindingArgs } from '../args.js';
import type { ExtenderVerb } from '../verb.js';

export function bindVerb(client: KubeClient): ExtenderVerb<ExtenderBindingArgs, ExtenderBindingResult> {
  return {
    name: 'bind',
    wireName: 'ExtenderBindingArgs',
    malformed: malformedBindingArgs,
    async handle(args, log) {
      await client.request({
        method: 'POST',
        path: `/api/v1/namespaces/${encodeURIComponent(args.PodNamespace)}/pods/${encodeURIComponent(args.PodName)}/binding`,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: args.PodName, namespace: args.PodNamespace, uid: args.PodUID },
          target: { apiVersion: 'v1', kind: 'Node', name: args.Node },
        },
      });
      log.info({ pod: `${args.PodNamespace}/${args.PodName}`, node: args.Node }, 'bound');
      return {};
    },
    onError: (err) => ({ Error: String(err) }),
  };
}
