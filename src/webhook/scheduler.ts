// Which scheduler a Spark pod goes to. The API server writes
// `default-scheduler` into pods that name none, so that value means "not
// chosen" and becomes the configured name; configured aliases (the seed's
// kubenexus-scheduler) are switched too. Any other name is a deliberate
// choice and is kept, with a warning, since Gangplank then cannot gang it.
import type { V1Pod } from '@kubernetes/client-node';
import { DEFAULT_SCHEDULER } from '../contract/keys.js';
import type { Warn } from './merge.js';

export function applySchedulerName(pod: V1Pod, schedulerName: string, aliases: readonly string[], warn: Warn): void {
  const spec = (pod.spec ??= { containers: [] });
  const current = spec.schedulerName;
  if (current === schedulerName) return;
  if (current === undefined || current === '' || current === DEFAULT_SCHEDULER) {
    spec.schedulerName = schedulerName;
  } else if (aliases.includes(current)) {
    spec.schedulerName = schedulerName;
    warn(`schedulerName ${current} is served by ${schedulerName}; switched`);
  } else {
    warn(`schedulerName ${current} is not ${schedulerName}: this pod is not gang-scheduled by Gangplank`);
  }
}
