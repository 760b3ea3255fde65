// `kubectl gangplank` command line, pure: argv in, a command or a usage error out.
import { parseArgs } from 'node:util';
import { UsageError } from '../cli.js';

export type Output = 'table' | 'wide' | 'json' | 'yaml';

export type PluginCommand =
  | { readonly cmd: 'status'; readonly namespace?: string; readonly app?: string; readonly common: Common }
  | { readonly cmd: 'explain'; readonly namespace: string; readonly pod: string; readonly common: Common }
  | { readonly cmd: 'what-if'; readonly namespace: string; readonly file: string; readonly snapshot?: string; readonly common: Common };

export interface Common {
  readonly output: Output;
  readonly kubeconfig?: string;
  readonly extenderUrl?: string;
  readonly config?: string;
}

export const PLUGIN_USAGE = `Usage: kubectl gangplank <command> [flags]

Commands:
  status [-n NS] [APP]          Gangs: members expected and bound, reservations per node, age, time-out, state, why they wait.
  explain POD [-n NS]           Why the pod is pending, or where it will go: nodes grouped by reason, with numbers.
  what-if -f APP.yaml [--snapshot CLUSTER.json]
                                Would these pods be placed now, and where? On a snapshot
                                (kubectl get nodes,pods -A -o json) or the live cluster, read-only.

Flags:
  -n, --namespace NS            Namespace (status: all when omitted; explain and what-if: default).
  -o, --output FORMAT           table (default), wide, json or yaml.
  -f, --filename FILE           what-if: the app's pods (YAML or JSON; several documents or a List).
      --snapshot FILE           what-if: plan on this snapshot instead of the live cluster.
      --extender-url URL        status: read GET URL/debug/gangs from the extender's ops port when reachable.
      --kubeconfig FILE         kubeconfig (default KUBECONFIG, then ~/.kube/config).
      --config FILE             Gangplank's configuration file (the chart's config), for time-outs and NUMA resources.
  -h, --help                    Show this help.

All commands only read: they run the extender's own planner (src/gang/admit.ts) on a copy of the cluster.`;

const OUTPUTS: readonly Output[] = ['table', 'wide', 'json', 'yaml'];

export function parsePluginArgs(argv: readonly string[]): PluginCommand | { readonly help: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        output: { type: 'string', short: 'o' },
        filename: { type: 'string', short: 'f' },
        snapshot: { type: 'string' },
        'extender-url': { type: 'string' },
        kubeconfig: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${PLUGIN_USAGE}`);
  }
  const { values: v, positionals } = parsed;
  const [cmd, ...rest] = positionals;
  if (v.help || cmd === undefined || cmd === 'help') return { help: PLUGIN_USAGE };
  const output = (v.output ?? 'table') as Output;
  if (!OUTPUTS.includes(output)) throw new UsageError(`-o ${v.output}: want one of ${OUTPUTS.join(', ')}`);
  const common: Common = { output, ...(v.kubeconfig ? { kubeconfig: v.kubeconfig } : {}), ...(v['extender-url'] ? { extenderUrl: v['extender-url'].replace(/\/+$/, '') } : {}), ...(v.config ? { config: v.config } : {}) };
  const extra = (n: number): void => {
    if (rest.length > n) throw new UsageError(`${cmd}: unexpected argument "${rest[n]}"\n\n${PLUGIN_USAGE}`);
  };
  switch (cmd) {
    case 'status':
      extra(1);
      return { cmd, ...(v.namespace ? { namespace: v.namespace } : {}), ...(rest[0] ? { app: rest[0] } : {}), common };
    case 'explain': {
      extra(1);
      let pod = rest[0];
      if (!pod) throw new UsageError(`explain: name the pod\n\n${PLUGIN_USAGE}`);
      // kubectl style: pod/NAME and NS/NAME are accepted too.
      pod = pod.replace(/^pods?\//, '');
      let namespace = v.namespace ?? 'default';
      if (pod.includes('/')) [namespace, pod] = pod.split('/', 2) as [string, string];
      return { cmd, namespace, pod, common };
    }
    case 'what-if':
      extra(0);
      if (!v.filename) throw new UsageError(`what-if: give the app with -f APP.yaml\n\n${PLUGIN_USAGE}`);
      return { cmd, namespace: v.namespace ?? 'default', file: v.filename, ...(v.snapshot ? { snapshot: v.snapshot } : {}), common };
    default:
      throw new UsageError(`unknown command "${cmd}"\n\n${PLUGIN_USAGE}`);
  }
}
