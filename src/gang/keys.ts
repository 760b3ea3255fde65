// Every label and annotation the gang scheduler reads or writes. The kubenexus
// keys are users' API (../shared/seeds, spark-operator gang guide) and must be
// spelled exactly so; the gangplank.io keys are ours (DESIGN.md, gang API).

export const GANG_NAME = 'pod-group.scheduling.kubenexus.io/name';
export const GANG_MIN_AVAILABLE = 'pod-group.scheduling.kubenexus.io/min-available';
export const NUMA_POLICY = 'numa.scheduling.kubenexus.io/policy';
export const NUMA_RESOURCES = 'numa.scheduling.kubenexus.io/resources';

/** Spark's own labels (resource-managers/kubernetes Constants.scala). */
export const SPARK_ROLE = 'spark-role';
export const SPARK_APP_SELECTOR = 'spark-app-selector';

/** On a Spark driver: N executors, one executor's shape, executors' placement constraints. */
export const EXECUTOR_COUNT = 'gangplank.io/executor-count';
export const EXECUTOR_RESOURCES = 'gangplank.io/executor-resources';
export const EXECUTOR_CONSTRAINTS = 'gangplank.io/executor-constraints';
/** Per-gang reservation time-out in seconds (else config extender.gangTimeoutSeconds). */
export const GANG_TIMEOUT = 'gangplank.io/timeout-seconds';

/** Written at bind: the NUMA zone planned for the pod, its gang, the slot it took. */
export const NUMA_ZONE = 'gangplank.io/numa-zone';
export const GANG_ANNOTATION = 'gangplank.io/gang';
export const SLOT_ANNOTATION = 'gangplank.io/slot';
/** The persisted plan (a JSON GangRecord) on the gang's anchor pod. */
export const GANG_RECORD = 'gangplank.io/gang-record';

/** Fallback NUMA topology on a Node when no NodeResourceTopology exists. */
export const NUMA_TOPOLOGY = 'gangplank.io/numa-topology';

/** The key Spark writes its configuration under in the driver's ConfigMap. */
export const SPARK_PROPERTIES = 'spark.properties';
