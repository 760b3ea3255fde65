// Recognising Spark pods by the labels Spark and its launchers put on them.
// spark-submit labels both roles with spark-role, spark-app-selector and
// (Spark 3.4+) spark-app-name; spark-operator adds sparkoperator.k8s.io/*
// through spark.kubernetes.{driver,executor}.label.*; Kyuubi adds
// kyuubi-unique-tag. Anything else is not ours and is left untouched.
import type { V1Pod } from '@kubernetes/client-node';
import {
  KYUUBI_UNIQUE_TAG,
  OPERATOR_APP_NAME,
  OPERATOR_PREFIX,
  OPERATOR_SUBMISSION_ID,
  SPARK_APP_NAME,
  SPARK_APP_SELECTOR,
  SPARK_DRIVER_CONTAINER,
  SPARK_EXECUTOR_CONTAINER,
  SPARK_ROLE,
} from '../contract/keys.js';
import type { SparkRole } from '../contract/spark-pod.js';
export type Launcher = 'spark-operator' | 'kyuubi' | 'spark-submit';

export interface SparkPod {
  readonly role: SparkRole;
  readonly launcher: Launcher;
  /** spark-app-selector: the application id, shared by the driver and its executors. */
  readonly appSelector?: string;
  /** spark-app-name label (spark.app.name as Spark sanitised it). */
  readonly appName?: string;
  /** spark-operator's SparkApplication name. */
  readonly operatorApp?: string;
  readonly submissionId?: string;
  readonly kyuubiTag?: string;
}

function labelsOf(pod: V1Pod): Record<string, string> {
  return pod.metadata?.labels ?? {};
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** The role from spark-role, else from the name of Spark's main container. */
function roleOf(pod: V1Pod, labels: Record<string, string>): SparkRole | undefined {
  const r = labels[SPARK_ROLE];
  if (r === 'driver' || r === 'executor') return r;
  if (r !== undefined) return undefined; // some other value: not a Spark driver or executor
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (names.includes(SPARK_DRIVER_CONTAINER)) return 'driver';
  if (names.includes(SPARK_EXECUTOR_CONTAINER)) return 'executor';
  return undefined;
}

/** The Spark identity of a pod, or undefined when it is not a Spark driver or executor. */
export function detectSpark(pod: V1Pod): SparkPod | undefined {
  const labels = labelsOf(pod);
  const hasSparkMark =
    SPARK_ROLE in labels ||
    SPARK_APP_SELECTOR in labels ||
    SPARK_APP_NAME in labels ||
    KYUUBI_UNIQUE_TAG in labels ||
    Object.keys(labels).some((k) => k.startsWith(OPERATOR_PREFIX));
  if (!hasSparkMark) return undefined;
  const role = roleOf(pod, labels);
  if (!role) return undefined;
  const operatorApp = nonEmpty(labels[OPERATOR_APP_NAME]);
  const kyuubiTag = nonEmpty(labels[KYUUBI_UNIQUE_TAG]);
  const launcher: Launcher = operatorApp !== undefined ? 'spark-operator' : kyuubiTag !== undefined ? 'kyuubi' : 'spark-submit';
  return {
    role,
    launcher,
    appSelector: nonEmpty(labels[SPARK_APP_SELECTOR]),
    appName: nonEmpty(labels[SPARK_APP_NAME]),
    operatorApp,
    submissionId: nonEmpty(labels[OPERATOR_SUBMISSION_ID]),
    kyuubiTag,
  };
}
