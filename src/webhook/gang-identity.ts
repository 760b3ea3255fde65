// Gang identity of a Spark pod. The driver and its executors are admitted
// one by one, with nothing linking them but the labels Spark (and its
// launchers) put on both, so the gang name is a pure function of those:
//
//   <readable>-<unique>
//   readable = spark-operator app name, else spark-app-name, else "spark",
//              lower-cased to [a-z0-9-]
//   unique   = the first 8 hex digits of spark-app-selector ("spark-<32 hex>"),
//              else 8 hex digits of a SHA-256 of the selector, the operator's
//              submission id or Kyuubi's unique tag
//
// A name the user wrote is kept when it is consistent: it is the derived
// name, or (spark-operator) the SparkApplication gives the driver and the
// executors the same name. Anything else would let one role wait for a gang
// the other never joins (the seed's "Only Driver Scheduled"), so it is
// corrected, with a warning.
import { createHash } from 'node:crypto';
import { GANG_NAME } from './keys.js';
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

/** The gang name for this pod, given the name it carries and its SparkApplication if known. */
export function decideGangName(spark: SparkPod, current: string | undefined, app: SparkApplication | undefined): GangNameDecision {
  const derived = derivedGangName(spark);
  let name = derived;
  let why = `driver and executors must share one gang, named from spark-app-selector`;
  if (app) {
    const d = app.spec?.driver?.labels?.[GANG_NAME];
    const e = app.spec?.executor?.labels?.[GANG_NAME];
    if (d !== undefined && d === e && isValidLabelValue(d) && d !== '') {
      name = d;
    } else if (d !== undefined || e !== undefined) {
      why = `SparkApplication ${app.metadata?.name ?? ''} names the driver's gang ${JSON.stringify(d ?? '')} and the executors' ${JSON.stringify(e ?? '')}`;
    }
  }
  if (current === undefined || current === name) return { name };
  return { name, correction: `gang name ${current} replaced by ${name}: ${why}` };
}
