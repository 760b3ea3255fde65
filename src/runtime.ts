// What a role's start-up function gets and fills in, shared by main.ts and
// the roles' runtime modules.
import { UsageError, type Command } from './cli.js';
import { readEnvironment } from './config/index.js';
import { createKubeClient, loadKubeConfig, type KubeClient } from './k8s/client.js';
import type { Logger } from './log.js';
import type { Listening } from './http/serve.js';
import type { ReadinessCheck } from './ops/app.js';

export interface Running {
  readonly servers: Listening[];
  readonly stoppers: (() => Promise<void>)[];
  readonly readiness: ReadinessCheck[];
  /** Set by the extender role: the /debug/gangs report on the ops port. */
  gangs?: () => unknown;
}

export function flag(cmd: Command, name: keyof Command['flags']): string | undefined {
  const v = cmd.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** The API client from --kubeconfig, KUBECONFIG or in-cluster config; undefined when none and not required. */
export function kubeClient(cmd: Command, required: boolean, log: Logger): KubeClient | undefined {
  const env = readEnvironment();
  const file = flag(cmd, 'kubeconfig') ?? env.kubeconfig;
  if (!file && !env.inCluster) {
    if (required) throw new UsageError('the extender needs API access: give --kubeconfig, set KUBECONFIG, or run in a cluster');
    log.info('no kubeconfig: running standalone, without API access');
    return undefined;
  }
  return createKubeClient(loadKubeConfig(file, file ? undefined : env.kubernetesService));
}
