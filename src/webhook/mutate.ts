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
import {
  executorConstraintsCodec,
  executorCountCodec,
  executorCountSourceCodec,
  executorResourceLayersCodec,
  executorResourcesCodec,
  executorResourcesSourceCodec,
  numaPolicyCodec,
  timeoutSecondsCodec,
  type ValueSource,
} from '../contract/annotations.js';
import {
  EXECUTOR_CONSTRAINTS,
  EXECUTOR_COUNT,
  EXECUTOR_COUNT_SOURCE,
  EXECUTOR_RESOURCE_LAYERS,
  EXECUTOR_RESOURCES,
  EXECUTOR_RESOURCES_SOURCE,
  GANG_MIN_AVAILABLE,
  GANG_NAME,
  POD_GROUP_LABEL,
  GANG_TIMEOUT,
  NUMA_POLICY,
} from '../contract/keys.js';
import { executorMinAvailable, planDriver, type MinAvailableSource } from './executors.js';
import { decideGangName } from './gang-identity.js';
import { mergeFragment, type Warn } from './merge.js';
import { applyNuma } from './numa.js';
import { clone, deepEqual } from './objects.js';
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
  /**
   * Values the user wrote that were ignored as invalid (a subset of the
   * warnings); set only when the matching profile says onInvalidValue: deny.
   */
  readonly denied?: string[];
  /** Undefined when the pod is not a Spark driver or executor (left untouched). */
  readonly spark?: SparkPod;
  readonly profile?: string;
  /** The gang identity written; minAvailable and countSource are absent when N is left to the extender. */
  readonly gang?: { name: string; minAvailable?: number; countSource?: ValueSource | MinAvailableSource };
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
  /** A value the user wrote that cannot be used: a warning, and a denial where the profile asks for one. */
  const invalid: string[] = [];
  const warnInvalid: Warn = (m) => {
    warn(m);
    if (!invalid.includes(m)) invalid.push(m);
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
  const numaPolicy = pod.metadata?.annotations?.[NUMA_POLICY];
  const parsedPolicy = numaPolicy === undefined ? undefined : numaPolicyCodec.parse(numaPolicy);
  if (parsedPolicy instanceof Error) warnInvalid(parsedPolicy.message);
  applyContextLabels(pod, profile?.contextLabels, spark.role, namespace);

  let gang: MutateResult['gang'];
  if (config.webhook.gangLabels) {
    const app = spark.operatorApp !== undefined ? owningSparkApplication(original, namespace, ctx.sparkApplications) : undefined;
    const meta = (pod.metadata ??= {});
    const labels = (meta.labels ??= {});
    const annotations = (meta.annotations ??= {});
    const driver = spark.role === 'executor' ? findDriver(original, namespace, ctx.drivers) : undefined;
    // A pod with no gang name of its own takes its PodGroup's (src/webhook/gang-identity.ts).
    const decision = decideGangName(spark, labels[GANG_NAME] ?? labels[POD_GROUP_LABEL], { app, driver });
    if (decision.correction) warn(decision.correction);
    labels[GANG_NAME] = decision.name;

    let minAvailable: number | undefined;
    let countSource: ValueSource | MinAvailableSource | undefined;
    if (spark.role === 'driver') {
      const executorTemplate = ctx.templates.template(profile?.executor, namespace);
      const plan = planDriver({
        driver: pod,
        original,
        profile,
        executor: { template: executorTemplate.fragment, overrides: profile?.executor?.overrides },
        app,
        warn: warnInvalid,
      });
      // Only what is known is written: a valid value on the pod keeps its text, a malformed one goes.
      const put = <T>(key: string, value: T | undefined, codec: { format(v: T): string; parse(s: string): T | Error }): void => {
        if (value === undefined) {
          delete annotations[key];
          return;
        }
        const existing = annotations[key];
        const parsed = existing === undefined ? undefined : codec.parse(existing);
        if (parsed === undefined || parsed instanceof Error || !deepEqual(parsed, value)) annotations[key] = codec.format(value);
      };
      put(EXECUTOR_COUNT, plan.count?.value, executorCountCodec);
      put(EXECUTOR_COUNT_SOURCE, plan.count?.source, executorCountSourceCodec);
      put(EXECUTOR_RESOURCES, plan.resources?.value, executorResourcesCodec);
      put(EXECUTOR_RESOURCES_SOURCE, plan.resources?.source, executorResourcesSourceCodec);
      put(EXECUTOR_RESOURCE_LAYERS, plan.layers, executorResourceLayersCodec);
      put(EXECUTOR_CONSTRAINTS, plan.constraints, executorConstraintsCodec);
      if (plan.count) {
        minAvailable = plan.count.value + 1;
        countSource = plan.count.source;
      }
      // The profile's reservation time-out, unless the user set a valid one on the pod.
      const timeout = annotations[GANG_TIMEOUT];
      if (timeout !== undefined && timeoutSecondsCodec.parse(timeout) instanceof Error) {
        warnInvalid(`${GANG_TIMEOUT}=${JSON.stringify(timeout)} is not a whole number of seconds (1..${365 * 24 * 3600}); the configured time-out applies`);
      }
      if (profile?.gangTimeoutSeconds !== undefined && timeout === undefined) {
        annotations[GANG_TIMEOUT] = timeoutSecondsCodec.format(profile.gangTimeoutSeconds);
      }
    } else {
      const m = executorMinAvailable({ executor: original, driver, app, profile });
      minAvailable = m?.value;
      countSource = m?.source;
    }
    const current = labels[GANG_MIN_AVAILABLE];
    if (minAvailable !== undefined) {
      if (current !== undefined && current !== String(minAvailable)) {
        warn(`${GANG_MIN_AVAILABLE} ${current} corrected to ${minAvailable} (1 driver + ${minAvailable - 1} executors, from ${countSource})`);
      }
      labels[GANG_MIN_AVAILABLE] = String(minAvailable);
    } else if (spark.role === 'driver' && current !== undefined) {
      // Not a whole number ≥ 1 (a valid one would have given N): the extender could not use it.
      warnInvalid(`${GANG_MIN_AVAILABLE} ${JSON.stringify(current)} is not a member count; removed, the extender counts the executors from the driver's spark.properties`);
      delete labels[GANG_MIN_AVAILABLE];
    }
    gang = { name: decision.name, ...(minAvailable !== undefined ? { minAvailable, countSource } : {}) };
  }
  const denied = profile?.onInvalidValue === 'deny' && invalid.length > 0 ? invalid : undefined;
  return { pod, warnings, spark, profile: profile?.name, gang, ...(denied ? { denied } : {}) };
}
