// Every label, annotation and name the webhook and the extender read or
// write, in one place beneath both (docs/webhook.md, docs/extender.md).
// The kubenexus keys are users' API from the seed documents (the
// spark-operator gang guide) and must be spelled exactly so; Spark's own
// labels and container names come from resource-managers/kubernetes
// Constants.scala; the gangplank.io keys are ours.

// ---- the seeds' gang API ----
export const GANG_NAME = 'pod-group.scheduling.kubenexus.io/name';
export const GANG_MIN_AVAILABLE = 'pod-group.scheduling.kubenexus.io/min-available';
export const NUMA_POLICY = 'numa.scheduling.kubenexus.io/policy';
export const NUMA_RESOURCES = 'numa.scheduling.kubenexus.io/resources';

// ---- scheduler-plugins' PodGroup (sigs.k8s.io/scheduler-plugins apis/scheduling/v1alpha1) ----
/** Pods name their PodGroup (same namespace) with this label (v1alpha1.PodGroupLabel). */
export const POD_GROUP_LABEL = 'scheduling.x-k8s.io/pod-group';
export const POD_GROUP_GROUP_VERSION = 'scheduling.x-k8s.io/v1alpha1';
export const POD_GROUP_RESOURCE = 'podgroups';

// ---- Spark's own pod labels and names (Constants.scala) ----
export const SPARK_ROLE = 'spark-role';
export const SPARK_APP_SELECTOR = 'spark-app-selector';
export const SPARK_APP_NAME = 'spark-app-name';
export const SPARK_EXEC_ID = 'spark-exec-id';
/** Spark's main container names when no pod template names another. */
export const SPARK_DRIVER_CONTAINER = 'spark-kubernetes-driver';
export const SPARK_EXECUTOR_CONTAINER = 'spark-kubernetes-executor';
/** The key spark-submit writes the driver's configuration under in its `spark-drv-…-conf-map` ConfigMap. */
export const SPARK_PROPERTIES = 'spark.properties';
/** The ConfigMap names Spark mounts at /opt/spark/conf end so (KubernetesClientUtils.configMapName). */
export const SPARK_CONF_MAP_SUFFIX = '-conf-map';

// ---- launchers ----
/** Labels spark-operator passes to spark-submit for both roles. */
export const OPERATOR_PREFIX = 'sparkoperator.k8s.io/';
export const OPERATOR_APP_NAME = 'sparkoperator.k8s.io/app-name';
export const OPERATOR_LAUNCHED = 'sparkoperator.k8s.io/launched-by-spark-operator';
export const OPERATOR_SUBMISSION_ID = 'sparkoperator.k8s.io/submission-id';
/** SparkApplication API served by spark-operator. */
export const SPARK_APPLICATION_GROUP = 'sparkoperator.k8s.io';
export const SPARK_APPLICATION_VERSION = 'v1beta2';
/** Label Kyuubi puts on the engines it launches (KubernetesApplicationOperation). */
export const KYUUBI_UNIQUE_TAG = 'kyuubi-unique-tag';

// ---- Gangplank's driver annotations (codecs: ./annotations.ts) ----
/** N executors to reserve with the driver. */
export const EXECUTOR_COUNT = 'gangplank.io/executor-count';
/** Where N came from (ExecutorCountSource), written by the webhook beside EXECUTOR_COUNT. */
export const EXECUTOR_COUNT_SOURCE = 'gangplank.io/executor-count-source';
/** One executor pod's requests, JSON. */
export const EXECUTOR_RESOURCES = 'gangplank.io/executor-resources';
/** Where the executor's requests came from (ExecutorResourcesSource). */
export const EXECUTOR_RESOURCES_SOURCE = 'gangplank.io/executor-resources-source';
/** What the profile's executor template and overrides do to an executor's resources, JSON. */
export const EXECUTOR_RESOURCE_LAYERS = 'gangplank.io/executor-resource-layers';
/** The executors' placement constraints when they differ from the driver's, JSON. */
export const EXECUTOR_CONSTRAINTS = 'gangplank.io/executor-constraints';
/** Per-gang reservation time-out in seconds (else config extender.gangTimeoutSeconds). */
export const GANG_TIMEOUT = 'gangplank.io/timeout-seconds';

// ---- written by the extender ----
/** At bind: the NUMA zone planned for the pod, its gang, the slot it took. */
export const NUMA_ZONE = 'gangplank.io/numa-zone';
export const GANG_ANNOTATION = 'gangplank.io/gang';
export const SLOT_ANNOTATION = 'gangplank.io/slot';
/** The persisted plan (a JSON GangRecord, ./gang-record.ts) on the gang's anchor pod. */
export const GANG_RECORD = 'gangplank.io/gang-record';

/**
 * The gang's state in one line of JSON on its anchor pod (and on its PodGroup
 * when it has one), written by the background writer (src/extender/gang-status.ts;
 * docs/extender.md, "Gang status").
 */
export const GANG_STATUS = 'gangplank.io/gang-status';
/** The gang's phase as a label on the anchor pod, for `kubectl get pods -L gangplank.io/gang-phase`. */
export const GANG_PHASE_LABEL = 'gangplank.io/gang-phase';

/** Fallback NUMA topology on a Node when no NodeResourceTopology exists. */
export const NUMA_TOPOLOGY = 'gangplank.io/numa-topology';

// ---- Kubernetes defaults the webhook recognises ----
/** What the API server fills in when a pod names none: treated as "not chosen". */
export const DEFAULT_SCHEDULER = 'default-scheduler';
export const DEFAULT_SERVICE_ACCOUNT = 'default';
/** Tolerations the DefaultTolerationSeconds admission plugin adds to every pod. */
export const DEFAULT_NOEXECUTE_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'] as const;
