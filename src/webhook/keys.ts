// Every label, annotation and name the webhook reads or writes, in one place.
// The kubenexus keys are users' API from the seed documents and must be
// spelled exactly so; the gangplank.io keys are ours (docs/webhook.md).

/** Spark's own pod labels (resource-managers/kubernetes Constants). */
export { SPARK_APP_SELECTOR, SPARK_ROLE } from '../gang/keys.js';
export const SPARK_APP_NAME = 'spark-app-name';
export const SPARK_EXEC_ID = 'spark-exec-id';

/** Spark's main container names when no pod template names another. */
export const SPARK_DRIVER_CONTAINER = 'spark-kubernetes-driver';
export const SPARK_EXECUTOR_CONTAINER = 'spark-kubernetes-executor';

/** Labels spark-operator passes to spark-submit for both roles. */
export const OPERATOR_PREFIX = 'sparkoperator.k8s.io/';
export const OPERATOR_APP_NAME = 'sparkoperator.k8s.io/app-name';
export const OPERATOR_LAUNCHED = 'sparkoperator.k8s.io/launched-by-spark-operator';
export const OPERATOR_SUBMISSION_ID = 'sparkoperator.k8s.io/submission-id';

/** Label Kyuubi puts on the engines it launches (KubernetesApplicationOperation). */
export const KYUUBI_UNIQUE_TAG = 'kyuubi-unique-tag';

/** The gang API (the seeds' keys and Gangplank's own) is shared with the extender: one definition. */
export {
  EXECUTOR_CONSTRAINTS,
  EXECUTOR_COUNT,
  EXECUTOR_RESOURCES,
  GANG_MIN_AVAILABLE,
  GANG_NAME,
  GANG_TIMEOUT,
  NUMA_POLICY,
  NUMA_RESOURCES,
} from '../gang/keys.js';

/** What the API server fills in when a pod names none: treated as "not chosen". */
export const DEFAULT_SCHEDULER = 'default-scheduler';
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** Tolerations the DefaultTolerationSeconds admission plugin adds to every pod. */
export const DEFAULT_NOEXECUTE_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'] as const;

/** SparkApplication API served by spark-operator. */
export const SPARK_APPLICATION_GROUP = 'sparkoperator.k8s.io';
export const SPARK_APPLICATION_VERSION = 'v1beta2';
