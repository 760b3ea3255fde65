// The programs that create Spark pods, played by the e2e tests of the
// submission paths (test/e2e/spark-operator.test.ts, test/e2e/platform.test.ts):
// Spark 3.5 itself (the driver pod spark-submit creates in cluster mode, its
// spark.properties ConfigMap, and the executors the running driver creates),
// spark-operator 2.x (the spark-submit configuration it builds from a
// SparkApplication, and what its pod webhook adds), and Kyuubi (the engine
// configuration and names it gives spark-submit). There is none of them in the
// test cluster; the pods are built here from the examples' own configuration.
//
// Facts carried over, not code (each function names its source):
//   Spark: resource-managers/kubernetes/core/.../features/BasicDriverFeatureStep,
//     BasicExecutorFeatureStep, KubernetesConf (labels spark-app-selector,
//     spark-app-name, spark-role, spark-version, spark-exec-id,
//     spark-exec-resourceprofile-id; spark.kubernetes.{driver,executor}.label.*,
//     .annotation.*, node.selector.*, driverEnv.*, executorEnv.*; pod templates
//     as the base of the pod; executors owned by the driver pod).
//   spark-operator 2.x: internal/controller/sparkapplication/submission.go
//     (driverConfOption, executorConfOption: sparkoperator.k8s.io/app-name,
//     launched-by-spark-operator, mutated-by-spark-operator, submission-id on
//     both roles) and internal/webhook/sparkpod_defaulter.go (driver owned by
//     the SparkApplication; schedulerName, nodeSelector, tolerations, GPU limit).
//   Kyuubi: SparkProcessBuilder (appendPodNameConf, SPARK_USER_NAME),
//     KyuubiApplicationManager.setupSparkK8sTag (driver label kyuubi-unique-tag),
//     EngineRef.defaultEngineName, KubernetesUtils.generateDriverPodName.
//
// Resources are not computed here: each test writes the figures Spark asks for
// (with the arithmetic in a comment), so that the product's own model of them
// (src/contract/spark-resources.ts) is checked, not reused.
import type { V1ConfigMap, V1Container, V1EnvVar, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { formatJavaProperties, parseJavaProperties } from '../../../src/contract/spark-conf.js';

export type Conf = Record<string, string>;
export type Resources = { requests: Record<string, string>; limits?: Record<string, string> };

export interface SparkApp {
  readonly ns: string;
  /** The application's whole Spark configuration, as spark-submit passes it. */
  readonly conf: Conf;
  /** spark.app.id: `spark-<32 hex>`, the spark-app-selector label. */
  readonly appId: string;
  /** 16 hex digits: Spark's unique id in resource names (`<app>-<id>-driver`, `spark-drv-<id>-conf-map`). */
  readonly uid16: string;
  readonly sparkVersion: string;
  /** A PySpark application (driver runs PythonRunner; executors get the 0.4 overhead factor). */
  readonly python?: boolean;
  /** The main class and application resource and arguments. */
  readonly main: readonly string[];
  readonly driverTemplate?: V1Pod;
  readonly executorTemplate?: V1Pod;
  /** What Spark asks for: the driver's and one executor's container resources. */
  readonly driver: Resources;
  readonly executor: Resources;
}

/** A label value as Spark 3.4+ writes spark-app-name (KubernetesConf.getAppNameLabel). */
export function appNameLabel(appName: string): string {
  const s = appName.trim().toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').slice(0, 63);
  return s.replace(/^-+|-+$/g, '');
}

/** `<app>-<id>` made a DNS name (KubernetesConf.getResourceNamePrefix). */
function resourceNamePrefix(app: SparkApp): string {
  return `${app.conf['spark.app.name'] ?? 'spark'}-${app.uid16}`.trim().toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-/, '');
}

export function driverName(app: SparkApp): string {
  return app.conf['spark.kubernetes.driver.pod.name'] ?? `${resourceNamePrefix(app)}-driver`;
}

export function executorName(app: SparkApp, id: number): string {
  return `${app.conf['spark.kubernetes.executor.podNamePrefix'] ?? resourceNamePrefix(app)}-exec-${id}`;
}

export function confMapName(app: SparkApp): string {
  return `spark-drv-${app.uid16}-conf-map`;
}

/** Keys under a prefix, the prefix cut: spark.kubernetes.driver.label.x=y gives {x: y}. */
function prefixed(conf: Conf, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(conf)) if (k.startsWith(prefix) && k.length > prefix.length) out[k.slice(prefix.length)] = v;
  return out;
}

function nonEmpty<T extends object>(o: T): T | undefined {
  return Object.keys(o).length > 0 ? o : undefined;
}

/** The template's container Spark uses: the one named so, else the first (KubernetesUtils.selectSparkContainer). */
function templateContainer(template: V1Pod | undefined, name: string): V1Container {
  const cs = template?.spec?.containers ?? [];
  return structuredClone(cs.find((c) => c.name === name) ?? cs[0] ?? { name });
}

function withResources(c: V1Container, r: Resources): V1Container['resources'] {
  return {
    requests: { ...(c.resources?.requests ?? {}), ...r.requests },
    limits: { ...(c.resources?.limits ?? {}), ...(r.limits ?? {}) },
  };
}

function env(conf: Conf, prefix: string, fixed: V1EnvVar[]): V1EnvVar[] {
  return [...fixed, ...Object.entries(prefixed(conf, prefix)).map(([name, value]) => ({ name, value }))];
}

/** The driver pod spark-submit creates in cluster mode: the template as its base, the conf on top. */
export function sparkDriver(app: SparkApp): V1Pod {
  const t = app.driverTemplate;
  const c = templateContainer(t, 'spark-kubernetes-driver');
  const conf = app.conf;
  const main = app.python ? ['--class', 'org.apache.spark.deploy.PythonRunner', ...app.main] : app.main;
  const localDir = `/var/data/spark-${app.uid16}`;
  const container: V1Container = {
    ...c,
    image: conf['spark.kubernetes.driver.container.image'] ?? conf['spark.kubernetes.container.image'] ?? c.image,
    imagePullPolicy: conf['spark.kubernetes.container.image.pullPolicy'] ?? 'IfNotPresent',
    args: ['driver', '--properties-file', '/opt/spark/conf/spark.properties', ...main],
    env: env(conf, 'spark.kubernetes.driverEnv.', [
      { name: 'SPARK_USER', value: 'spark' },
      { name: 'SPARK_APPLICATION_ID', value: app.appId },
      { name: 'SPARK_DRIVER_BIND_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'SPARK_LOCAL_DIRS', value: localDir },
      { name: 'SPARK_CONF_DIR', value: '/opt/spark/conf' },
    ]),
    ports: [
      { name: 'driver-rpc-port', containerPort: 7078, protocol: 'TCP' },
      { name: 'blockmanager', containerPort: 7079, protocol: 'TCP' },
      { name: 'spark-ui', containerPort: 4040, protocol: 'TCP' },
    ],
    resources: withResources(c, app.driver),
    volumeMounts: [
      ...(c.volumeMounts ?? []),
      { name: 'spark-local-dir-1', mountPath: localDir },
      { name: 'spark-conf-volume-driver', mountPath: '/opt/spark/conf' },
    ],
  };
  const spec = structuredClone(t?.spec ?? { containers: [] });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: driverName(app),
      namespace: app.ns,
      labels: {
        ...(t?.metadata?.labels ?? {}),
        ...prefixed(conf, 'spark.kubernetes.driver.label.'),
        'spark-app-selector': app.appId,
        'spark-app-name': appNameLabel(conf['spark.app.name'] ?? 'spark'),
        'spark-role': 'driver',
        'spark-version': app.sparkVersion,
      },
      annotations: { ...(t?.metadata?.annotations ?? {}), ...prefixed(conf, 'spark.kubernetes.driver.annotation.') },
    },
    spec: {
      ...spec,
      restartPolicy: 'Never',
      enableServiceLinks: false,
      serviceAccountName: conf['spark.kubernetes.authenticate.driver.serviceAccountName'] ?? spec.serviceAccountName,
      schedulerName: conf['spark.kubernetes.driver.scheduler.name'] ?? conf['spark.kubernetes.scheduler.name'] ?? spec.schedulerName,
      nodeSelector: nonEmpty({ ...(spec.nodeSelector ?? {}), ...prefixed(conf, 'spark.kubernetes.node.selector.'), ...prefixed(conf, 'spark.kubernetes.driver.node.selector.') }),
      containers: [container, ...spec.containers.filter((x) => x.name !== c.name)],
      volumes: [
        ...(spec.volumes ?? []),
        { name: 'spark-local-dir-1', emptyDir: {} },
        {
          name: 'spark-conf-volume-driver',
          configMap: { name: confMapName(app), defaultMode: 420, items: [{ key: 'spark.properties', path: 'spark.properties', mode: 420 }] },
        },
      ],
    },
  };
}

/**
 * The driver's spark.properties ConfigMap, created right after the driver and
 * owned by it. spark-submit adds spark.app.id, the names it chose,
 * spark.kubernetes.resource.type and, for Python and R, the 0.4 overhead factor
 * unless set (BasicDriverFeatureStep.getAdditionalPodSystemProperties).
 */
export function sparkConfMap(app: SparkApp, driver: V1Pod): V1ConfigMap {
  const conf: Conf = {
    ...app.conf,
    'spark.app.id': app.appId,
    'spark.kubernetes.driver.pod.name': driverName(app),
    'spark.kubernetes.executor.podNamePrefix': app.conf['spark.kubernetes.executor.podNamePrefix'] ?? resourceNamePrefix(app),
    'spark.kubernetes.submitInDriver': 'true',
    'spark.kubernetes.resource.type': app.python ? 'python' : 'java',
    'spark.kubernetes.memoryOverheadFactor': app.conf['spark.kubernetes.memoryOverheadFactor'] ?? (app.python ? '0.4' : '0.1'),
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: confMapName(app),
      namespace: app.ns,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: driver.metadata?.name ?? '', uid: driver.metadata?.uid ?? '', controller: true }],
    },
    immutable: true,
    data: { 'spark.properties': `#Java properties built from Kubernetes config map with name: ${confMapName(app)}\n${formatJavaProperties(conf)}`, 'spark.kubernetes.namespace': app.ns },
  };
}

/** An executor pod as the running driver creates it: the executor template as base, owned by the driver. */
export function sparkExecutor(app: SparkApp, driver: V1Pod, id: number): V1Pod {
  const t = app.executorTemplate;
  const c = templateContainer(t, 'spark-kubernetes-executor');
  const conf = app.conf;
  const container: V1Container = {
    ...c,
    image: conf['spark.kubernetes.executor.container.image'] ?? conf['spark.kubernetes.container.image'] ?? c.image,
    imagePullPolicy: conf['spark.kubernetes.container.image.pullPolicy'] ?? 'IfNotPresent',
    args: ['executor'],
    env: env(conf, 'spark.executorEnv.', [
      { name: 'SPARK_USER', value: 'spark' },
      { name: 'SPARK_DRIVER_URL', value: `spark://CoarseGrainedScheduler@${driver.metadata?.name}-svc.${app.ns}.svc:7078` },
      { name: 'SPARK_EXECUTOR_CORES', value: conf['spark.executor.cores'] ?? '1' },
      { name: 'SPARK_EXECUTOR_MEMORY', value: conf['spark.executor.memory'] ?? '1g' },
      { name: 'SPARK_APPLICATION_ID', value: app.appId },
      { name: 'SPARK_EXECUTOR_ID', value: String(id) },
      { name: 'SPARK_RESOURCE_PROFILE_ID', value: '0' },
      { name: 'SPARK_EXECUTOR_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'SPARK_EXECUTOR_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]),
    ports: [{ name: 'blockmanager', containerPort: 7079, protocol: 'TCP' }],
    resources: withResources(c, app.executor),
  };
  const spec = structuredClone(t?.spec ?? { containers: [] });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: executorName(app, id),
      namespace: app.ns,
      labels: {
        ...(t?.metadata?.labels ?? {}),
        ...prefixed(conf, 'spark.kubernetes.executor.label.'),
        'spark-app-selector': app.appId,
        'spark-app-name': appNameLabel(conf['spark.app.name'] ?? 'spark'),
        'spark-exec-id': String(id),
        'spark-exec-resourceprofile-id': '0',
        'spark-role': 'executor',
        'spark-version': app.sparkVersion,
      },
      annotations: { ...(t?.metadata?.annotations ?? {}), ...prefixed(conf, 'spark.kubernetes.executor.annotation.') },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: driver.metadata?.name ?? '', uid: driver.metadata?.uid ?? '', controller: true }],
    },
    spec: {
      ...spec,
      restartPolicy: 'Never',
      enableServiceLinks: false,
      hostname: executorName(app, id).slice(0, 63).replace(/-+$/, ''),
      serviceAccountName:
        conf['spark.kubernetes.authenticate.executor.serviceAccountName'] ?? conf['spark.kubernetes.authenticate.driver.serviceAccountName'] ?? spec.serviceAccountName,
      schedulerName: conf['spark.kubernetes.executor.scheduler.name'] ?? conf['spark.kubernetes.scheduler.name'] ?? spec.schedulerName,
      nodeSelector: nonEmpty({ ...(spec.nodeSelector ?? {}), ...prefixed(conf, 'spark.kubernetes.node.selector.'), ...prefixed(conf, 'spark.kubernetes.executor.node.selector.') }),
      containers: [container, ...spec.containers.filter((x) => x.name !== c.name)],
    },
  };
}

/** A pod template as a ConfigMap holds it (Kyuubi mounts it as spark.kubernetes.*.podTemplateFile). */
export function podTemplate(configMap: V1ConfigMap, key: string): V1Pod {
  const text = configMap.data?.[key];
  if (text === undefined) throw new Error(`ConfigMap ${configMap.metadata?.name} has no key ${key}`);
  return parse(text) as V1Pod;
}

/** java.util.Properties text (kyuubi-defaults.conf) as a map. */
export function properties(text: string): Conf {
  return Object.fromEntries(parseJavaProperties(text));
}

// ---- spark-operator 2.x ----

export interface SparkApplicationSpecPod {
  cores?: number;
  coreRequest?: string;
  coreLimit?: string;
  memory?: string;
  memoryOverhead?: string;
  instances?: number;
  serviceAccount?: string;
  schedulerName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  gpu?: { name: string; quantity: number };
}

export interface SparkApplicationObject {
  apiVersion: string;
  kind: 'SparkApplication';
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string> };
  spec: {
    type: string;
    mode?: string;
    image?: string;
    imagePullPolicy?: string;
    mainClass?: string;
    mainApplicationFile?: string;
    arguments?: string[];
    sparkVersion: string;
    sparkConf?: Record<string, string>;
    hadoopConf?: Record<string, string>;
    memoryOverheadFactor?: string;
    pythonVersion?: string;
    driver: SparkApplicationSpecPod;
    executor: SparkApplicationSpecPod;
    dynamicAllocation?: { enabled?: boolean; initialExecutors?: number; minExecutors?: number; maxExecutors?: number };
  };
}

/**
 * The Spark configuration spark-operator's spark-submit carries for a
 * SparkApplication (submission.go): sparkConf first, then the typed fields
 * and the operator's labels, which therefore win.
 */
export function operatorConf(app: SparkApplicationObject, submissionId: string): Conf {
  const s = app.spec;
  const ns = app.metadata.namespace ?? 'default';
  const conf: Conf = {
    'spark.master': 'k8s://https://10.96.0.1:443',
    'spark.submit.deployMode': s.mode ?? 'cluster',
    'spark.app.name': app.metadata.name,
    'spark.kubernetes.namespace': ns,
    'spark.kubernetes.submission.waitAppCompletion': 'false',
    ...(s.image ? { 'spark.kubernetes.container.image': s.image } : {}),
    ...(s.imagePullPolicy ? { 'spark.kubernetes.container.image.pullPolicy': s.imagePullPolicy } : {}),
    ...(s.pythonVersion ? { 'spark.kubernetes.pyspark.pythonVersion': s.pythonVersion } : {}),
    ...(s.memoryOverheadFactor ? { 'spark.kubernetes.memoryOverheadFactor': s.memoryOverheadFactor } : {}),
    ...(s.sparkConf ?? {}),
    ...Object.fromEntries(Object.entries(s.hadoopConf ?? {}).map(([k, v]) => [`spark.hadoop.${k}`, v])),
    'spark.kubernetes.driver.pod.name': `${app.metadata.name}-driver`,
  };
  for (const [role, spec] of [
    ['driver', s.driver],
    ['executor', s.executor],
  ] as const) {
    const label = `spark.kubernetes.${role}.label.`;
    conf[`${label}sparkoperator.k8s.io/app-name`] = app.metadata.name;
    conf[`${label}sparkoperator.k8s.io/launched-by-spark-operator`] = 'true';
    // No pod template in the examples: the operator's webhook mutates both roles.
    conf[`${label}sparkoperator.k8s.io/mutated-by-spark-operator`] = 'true';
    conf[`${label}sparkoperator.k8s.io/submission-id`] = submissionId;
    if (spec.cores !== undefined) conf[`spark.${role}.cores`] = String(spec.cores);
    if (spec.coreRequest !== undefined) conf[`spark.kubernetes.${role}.request.cores`] = spec.coreRequest;
    if (spec.coreLimit !== undefined) conf[`spark.kubernetes.${role}.limit.cores`] = spec.coreLimit;
    if (spec.memory !== undefined) conf[`spark.${role}.memory`] = spec.memory;
    if (spec.memoryOverhead !== undefined) conf[`spark.${role}.memoryOverhead`] = spec.memoryOverhead;
    if (spec.serviceAccount !== undefined) conf[`spark.kubernetes.authenticate.${role}.serviceAccountName`] = spec.serviceAccount;
    if (role === 'executor' && spec.instances !== undefined) conf['spark.executor.instances'] = String(spec.instances);
    for (const [k, v] of Object.entries({ ...(app.metadata.labels ?? {}), ...(spec.labels ?? {}) })) conf[`${label}${k}`] = v;
    for (const [k, v] of Object.entries(spec.annotations ?? {})) conf[`spark.kubernetes.${role}.annotation.${k}`] = v;
  }
  const da = s.dynamicAllocation;
  if (da?.enabled) {
    conf['spark.dynamicAllocation.enabled'] = 'true';
    if (da.initialExecutors !== undefined) conf['spark.dynamicAllocation.initialExecutors'] = String(da.initialExecutors);
    if (da.minExecutors !== undefined) conf['spark.dynamicAllocation.minExecutors'] = String(da.minExecutors);
    if (da.maxExecutors !== undefined) conf['spark.dynamicAllocation.maxExecutors'] = String(da.maxExecutors);
  }
  return conf;
}

/**
 * What spark-operator's pod webhook (sparkpod_defaulter.go) adds to a pod
 * labelled mutated-by-spark-operator: on the driver an owner reference to the
 * SparkApplication; on both roles the role's schedulerName, nodeSelector,
 * tolerations and GPU limit. The API server admits pods through every
 * mutating webhook and reinvokes Gangplank's after it (reinvocationPolicy
 * IfNeeded), so Gangplank's answer is the same as for a pod that arrives with
 * the operator's changes already made: that is how the test creates it.
 */
export function operatorMutated(pod: V1Pod, app: SparkApplicationObject): V1Pod {
  const out = structuredClone(pod);
  const role = out.metadata?.labels?.['spark-role'] === 'driver' ? 'driver' : 'executor';
  const spec = app.spec[role];
  if (role === 'driver') {
    out.metadata!.ownerReferences = [
      ...(out.metadata?.ownerReferences ?? []),
      { apiVersion: app.apiVersion, kind: 'SparkApplication', name: app.metadata.name, uid: app.metadata.uid ?? '', controller: true },
    ];
  }
  const s = out.spec!;
  if (spec.schedulerName) s.schedulerName = spec.schedulerName;
  if (spec.nodeSelector) s.nodeSelector = { ...(s.nodeSelector ?? {}), ...spec.nodeSelector };
  s.tolerations = [...(s.tolerations ?? []), ...(spec.tolerations ?? [])];
  if (spec.gpu) {
    const c = s.containers[0] as V1Container;
    c.resources = { ...(c.resources ?? {}), limits: { ...(c.resources?.limits ?? {}), [spec.gpu.name]: String(spec.gpu.quantity) } };
  }
  return out;
}

// ---- Kyuubi ----

export interface KyuubiEngine {
  /** The server's kyuubi-defaults.conf with the session's configuration on top. */
  readonly conf: Conf;
  /** The session user (the launching user for USER and CONNECTION; the server's user for SERVER). */
  readonly user: string;
  readonly serverUser?: string;
  /** Kyuubi's engine ref id (a UUID): kyuubi-unique-tag. */
  readonly engineRefId: string;
}

/**
 * The Spark configuration Kyuubi gives an engine's spark-submit:
 * spark.app.name defaults to kyuubi_<LEVEL>_SPARK_SQL_<user>[_default]_<ref>
 * (EngineRef.defaultEngineName; the SERVER level runs as the server's user,
 * CONNECTION has no subdomain), the driver label kyuubi-unique-tag, driver pod
 * name and executor prefix from the app name (generateDriverPodName: kyuubi-
 * in front unless there), SPARK_USER_NAME in both environments, and kyuubi.*
 * keys handed to Spark as spark.kyuubi.*.
 */
export function kyuubiEngineConf(e: KyuubiEngine): Conf {
  const level = e.conf['kyuubi.engine.share.level'] ?? 'USER';
  const routingUser = level === 'SERVER' ? (e.serverUser ?? 'kyuubi') : e.user;
  const appName =
    e.conf['spark.app.name'] ?? (level === 'CONNECTION' ? `kyuubi_${level}_SPARK_SQL_${routingUser}_${e.engineRefId}` : `kyuubi_${level}_SPARK_SQL_${routingUser}_default_${e.engineRefId}`);
  const base = (appName.includes(e.engineRefId) ? appName : `${appName}-${e.engineRefId}`).trim().toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-/, '');
  const prefix = base.startsWith('kyuubi-') ? base : `kyuubi-${base}`;
  const out: Conf = {};
  for (const [k, v] of Object.entries(e.conf)) out[k.startsWith('spark.') ? k : k.startsWith('hadoop.') ? `spark.hadoop.${k}` : `spark.${k}`] = v;
  return {
    ...out,
    'spark.app.name': appName,
    'spark.kubernetes.driver.label.kyuubi-unique-tag': e.engineRefId,
    'spark.kubernetes.driver.pod.name': e.conf['spark.kubernetes.driver.pod.name'] ?? `${prefix}-driver`,
    'spark.kubernetes.executor.podNamePrefix': e.conf['spark.kubernetes.executor.podNamePrefix'] ?? prefix,
    'spark.kubernetes.submission.waitAppCompletion': 'false',
    'spark.kubernetes.driverEnv.SPARK_USER_NAME': e.user,
    'spark.executorEnv.SPARK_USER_NAME': e.user,
  };
}

/**
 * dbt's profiles.yml values with Airflow's environment filled in: the two
 * Jinja forms the example uses, `{{ env_var('X') }}` and
 * `{{ env_var('X') | replace('a', 'b') }}`. Anything else throws, so a changed
 * example cannot pass unrendered.
 */
export function renderDbt(template: string, envVars: Record<string, string>): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_m, body: string) => {
    const m = /^\s*env_var\('([A-Z_]+)'\)\s*(?:\|\s*replace\('([^']*)',\s*'([^']*)'\)\s*)?$/.exec(body);
    if (!m) throw new Error(`renderDbt: unsupported expression {{${body}}}`);
    const value = envVars[m[1] as string];
    if (value === undefined) throw new Error(`renderDbt: ${m[1]} is not set`);
    return m[2] === undefined ? value : value.split(m[2]).join(m[3] ?? '');
  });
}
