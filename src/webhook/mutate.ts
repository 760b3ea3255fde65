// The webhook's decision for one pod, pure: a deep copy of the pod is shaped
// step by step and returned with the warnings a user should see. The review
// (review.ts) diffs it against the original to make the JSON Patch.
//
// Steps, in order (docs/webhook.md): profile template (defaults) → profile
// overrides → schedulerName → NUMA annotations → context labels → gang
// identity, and on the driver the executor count, shape and constraints.
import type { V1Pod } from '@kubernetes/client-node';
import type { Config, Profile } from '../config/index.js';
import type { ObjectCache } from '../k8s/cache.js';
import { applyContextLabels } from './context-labels.js';
import { findDriver } from './driver-lookup.js';
import { executorMinAvailable, planDriver, type CountSource } from './executors.js';
import { decideGangName } from './gang-identity.js';
import { EXECUTOR_CONSTRAINTS, EXECUTOR_COUNT, EXECUTOR_RESOURCES, GANG_MIN_AVAILABLE, GANG_NAME, GANG_TIMEOUT } from './keys.js';
import { mergeFragment, type Warn } from './merge.js';
import { applyNuma } from './numa.js';
import { clone } from './objects.js';
import { matchProfile } from './profiles.js';
import { applySchedulerName } from './scheduler.js';
import { detectSpark, type SparkPod } from './spark.js';
import { owningSparkApplication, type SparkApplication } from './sparkapp.js';
import type { TemplateSource } from './templates.js';

export const WARNING_PREFIX = 'gangplank: ';

export interface MutateContext {
  readonly config: Config;
  /** The request's namespace (a pod being created may not carry one yet). */
  readonly namespace?: string;
  readonly templates: TemplateSource;
  /** SparkApplications, when the API is reachable and the CRD exists. */
  readonly sparkApplications?: ObjectCache<SparkApplication>;
  /** Spark driver pods, so executors can take their driver's gang name and count. */
  readonly drivers?: ObjectCache<V1Pod>;
}

export interface MutateResult {
  readonly pod: V1Pod;
  readonly warnings: string[];
  /** Undefined when the pod is not a Spark driver or executor (left untouched). */
  readonly spark?: SparkPod;
  readonly profile?: string;
  readonly gang?: { name: string; minAvailable: number; countSource: CountSource };
}

export function mutate(original: V1Pod, ctx: MutateContext): MutateResult {
  const spark = detectSpark(original);
  if (!spark) return { pod: original, warnings: [] };
  const pod = clone(original);
  const warnings: string[] = [];
  const warn: Warn = (m) => {
    const text = WARNING_PREFIX + m;
    if (!warnings.includes(text)) warnings.push(text);
  };
  const { config, namespace } = ctx;
  // No matching profile: no template, overrides or NUMA hints; scheduler and gang identity still apply.
  const profile: Profile | undefined = matchProfile(config.profiles, original, namespace);
  const settings = profile?.[spark.role];

  const tpl = ctx.templates.template(settings, namespace);
  if (tpl.problem) warn(`${spark.role} template of profile ${profile?.name ?? ''} not applied: ${tpl.problem}`);
  if (tpl.fragment) mergeFragment(pod, clone(tpl.fragment), spark.role, 'template', warn);
  if (settings?.overrides) mergeFragment(pod, clone(settings.overrides), spark.role, 'overrides', warn);

  applySchedulerName(pod, config.schedulerName, config.schedulerNameAliases, warn);
  applyNuma(pod, profile?.numa);
  applyContextLabels(pod, profile?.contextLabels, spark.role, namespace);

  let gang: MutateResult['gang'];
  if (config.webhook.gangLabels) {
    const app = spark.operatorApp !== undefined ? owningSparkApplication(original, namespace, ctx.sparkApplications) : undefined;
    const meta = (pod.metadata ??= {});
    const labels = (meta.labels ??= {});
    const annotations = (meta.annotations ??= {});
    const driver = spark.role === 'executor' ? findDriver(original, namespace, ctx.drivers) : undefined;
    const decision = decideGangName(spark, labels[GANG_NAME], { app, driver });
    if (decision.correction) warn(decision.correction);
    labels[GANG_NAME] = decision.name;

    let minAvailable: number;
    let countSource: CountSource;
    if (spark.role === 'driver') {
      const executorTemplate = ctx.templates.template(profile?.executor, namespace);
      const plan = planDriver({
        driver: pod,
        original,
        profile,
        executor: { template: executorTemplate.fragment, overrides: profile?.executor?.overrides },
        app,
        warn,
      });
      minAvailable = plan.count + 1;
      countSource = plan.countSource;
      annotations[EXECUTOR_COUNT] = String(plan.count);
      if (plan.resources !== undefined) annotations[EXECUTOR_RESOURCES] = plan.resources;
      if (plan.constraints !== undefined) annotations[EXECUTOR_CONSTRAINTS] = plan.constraints;
      // The profile's reservation time-out, unless the user set one on the pod.
      if (profile?.gangTimeoutSeconds !== undefined && annotations[GANG_TIMEOUT] === undefined) {
        annotations[GANG_TIMEOUT] = String(profile.gangTimeoutSeconds);
      }
    } else {
      const m = executorMinAvailable({ executor: original, driver, app, profile });
      minAvailable = m.value;
      countSource = m.source;
    }
    const current = labels[GANG_MIN_AVAILABLE];
    if (current !== undefined && current !== String(minAvailable)) {
      warn(`${GANG_MIN_AVAILABLE} ${current} corrected to ${minAvailable} (1 driver + ${minAvailable - 1} executors, from ${countSource})`);
    }
    labels[GANG_MIN_AVAILABLE] = String(minAvailable);
    gang = { name: decision.name, minAvailable, countSource };
  }
  return { pod, warnings, spark, profile: profile?.name, gang };
}
