// Gang identity of a Spark pod. The driver and its executors are admitted
// one by one; the driver comes first (Spark's driver creates its executors
// once it runs), so the driver's gang name is the gang's identity and every
// executor must carry exactly that name.
//
// Driver: a valid name the user wrote (the seed's spark-operator manifests
// label the driver `spark-pi`) is kept; a pod without one that names a
// scheduler-plugins PodGroup (`scheduling.x-k8s.io/pod-group`, which
// spark-operator's kube-scheduler batch scheduler puts on the application
// and so on both roles) takes the PodGroup's name, so the gang and the
// PodGroup are one (docs/extender.md, "PodGroups"); with neither, or an
// unusable one, the name is derived from labels both roles carry:
//
//   <readable>-<unique>
//   readable = spark-operator app name, else spark-app-name, else "spark",
//              lower-cased to [a-z0-9-]
//   unique   = the first 8 hex digits of spark-app-selector ("spark-<32 hex>"),
//              else 8 hex digits of a SHA-256 of the selector, the operator's
//              submission id or Kyuubi's unique tag
//
// Executor: the driver's name, read from the driver pod in the webhook's
// cache (driver-lookup.ts), else predicted from the owning SparkApplication
// (the driver label it gives, or the derived name when it gives none). A
// different name on the executor is corrected with a warning: it would leave
// the executors waiting for a gang the driver never joins (the seed's "Only
// Driver Scheduled", its "different gang names" mistake). When the driver
// cannot be known (standalone mode, no API) a valid name on the executor is
// kept, else the derived name is used.
import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { GANG_NAME, POD_GROUP_LABEL } from '../contract/keys.js';
import { MAX_LABEL_VALUE, isValidLabelValue, toDnsLabel } from './sanitize.js';
import type { SparkApplication } from './sparkapp.js';
import type { SparkPod } from './spark.js';

const SUFFIX_LENGTH = 8;

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, SUFFIX_LENGTH);
}

/** The part of the application id that makes the name unique per application run. */
export function uniqueSuffix(spark: SparkPod): string | undefined {
  const sel = spark.appSelector;
  if (sel !== undefined) {
    const hex = sel.startsWith('spark-') ? sel.slice('spark-'.length) : sel;
    return /^[0-9a-f]{8,}$/.test(hex) ? hex.slice(0, SUFFIX_LENGTH) : shortHash(sel);
  }
  const other = spark.submissionId ?? spark.kyuubiTag;
  return other === undefined ? undefined : shortHash(other);
}

/** The derived gang name; the same for every pod of one application. */
export function derivedGangName(spark: SparkPod): string {
  const suffix = uniqueSuffix(spark);
  const room = suffix === undefined ? MAX_LABEL_VALUE : MAX_LABEL_VALUE - 1 - suffix.length;
  const readable = toDnsLabel(spark.operatorApp ?? spark.appName ?? '', room) || 'spark';
  return suffix === undefined ? readable : `${readable}-${suffix}`;
}

export interface GangNameDecision {
  readonly name: string;
  /** Why a name on the pod was replaced, when it was. */
  readonly correction?: string;
}

/** What the webhook knows about the pod's application besides the pod itself. */
export interface GangNameKnown {
  /** The owning SparkApplication, when the API is reachable and it exists. */
  readonly app?: SparkApplication;
  /** For an executor: its driver pod, when the webhook's cache holds it. */
  readonly driver?: V1Pod;
}

/** A non-empty valid label value: a name the webhook can keep. */
function usable(name: string | undefined): name is string {
  return name !== undefined && name !== '' && isValidLabelValue(name);
}

/** The driver's gang name as the executor's driver (or its SparkApplication) tells it, if known. */
function driversName(spark: SparkPod, known: GangNameKnown): { name: string; from: string } | undefined {
  if (known.driver) {
    // The cached driver was admitted through this webhook, so its label is final;
    // a driver without one was admitted unshaped (webhook down) and leads no gang.
    const name = known.driver.metadata?.labels?.[GANG_NAME];
    return usable(name) ? { name, from: `driver pod ${known.driver.metadata?.name ?? ''}` } : undefined;
  }
  const app = known.app;
  if (app) {
    // The operator passes spec.driver.labels as spark.kubernetes.driver.label.* after
    // spec.sparkConf, so the typed field wins; the driver then keeps it (or, with none, derives).
    const given = app.spec?.driver?.labels?.[GANG_NAME] ?? app.spec?.sparkConf?.[`spark.kubernetes.driver.label.${GANG_NAME}`] ?? app.metadata?.labels?.[POD_GROUP_LABEL];
    const name = usable(given) ? given : derivedGangName(spark);
    return { name, from: `SparkApplication ${app.metadata?.name ?? ''}` };
  }
  return undefined;
}

/** The gang name for this pod, given the name it carries and what is known of its driver. */
export function decideGangName(spark: SparkPod, current: string | undefined, known: GangNameKnown = {}): GangNameDecision {
  if (spark.role === 'executor') {
    const driver = driversName(spark, known);
    if (driver) {
      if (current === undefined || current === driver.name) return { name: driver.name };
      return { name: driver.name, correction: `executor gang name ${JSON.stringify(current)} corrected to ${driver.name}, the name of its driver (${driver.from}): driver and executors must share one gang` };
    }
  }
  if (current === undefined || usable(current)) return { name: current ?? derivedGangName(spark) };
  const name = derivedGangName(spark);
  return { name, correction: `gang name ${JSON.stringify(current)} is not a valid label value; replaced by ${name}, named from the application` };
}
