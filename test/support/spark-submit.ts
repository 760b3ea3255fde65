// Spark objects exactly as spark-submit (Spark 3.5, cluster mode) creates
// them, for unit and e2e tests: the driver pod first — Spark's labels only,
// `driver --properties-file …` in its args, the conf volume mounted — then its
// `spark-drv-<hash>-conf-map` ConfigMap holding spark.properties, owned by
// the driver (KubernetesClientApplication: the ConfigMap is applied after the
// driver is created, with the driver as owner).
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { formatJavaProperties, type SparkConf } from '../../src/contract/spark-conf.js';
import type { AppType } from '../../src/contract/spark-resources.js';
import { makePod } from './pod.js';

export interface SubmitSpec {
  readonly ns: string;
  /** spark.app.name; the driver pod is `<app>-driver`. */
  readonly app: string;
  /** The application id, `spark-<32 hex>`. */
  readonly selector: string;
  /** 16 hex digits: spark-drv-<hash>-conf-map. */
  readonly hash: string;
  readonly conf: SparkConf;
  readonly appType?: AppType;
  /** The driver's requests as spark-submit sets them (1 core, 1g + 384Mi by default). */
  readonly driverCpu?: string;
  readonly driverMemory?: string;
}

export function confMapName(spec: SubmitSpec): string {
  return `spark-drv-${spec.hash}-conf-map`;
}

/**
 * spark.properties as the driver's ConfigMap holds it: the user's conf plus
 * what spark-submit adds — spark.kubernetes.resource.type
 * (DriverCommandFeatureStep) and spark.kubernetes.memoryOverheadFactor, 0.4
 * for Python/R unless the user set it, else the user's or 0.1
 * (BasicDriverFeatureStep.getAdditionalPodSystemProperties).
 */
export function sparkProperties(spec: Pick<SubmitSpec, 'conf' | 'appType' | 'app' | 'selector'>): string {
  const appType = spec.appType ?? 'java';
  const factor = spec.conf['spark.kubernetes.memoryOverheadFactor'] ?? (appType === 'java' ? '0.1' : '0.4');
  return `#Java properties built from Kubernetes config map\n${formatJavaProperties({
    'spark.app.name': spec.app,
    'spark.app.id': spec.selector,
    'spark.master': 'k8s://https://kubernetes.default.svc',
    'spark.submit.deployMode': 'cluster',
    ...spec.conf,
    'spark.kubernetes.resource.type': appType,
    'spark.kubernetes.memoryOverheadFactor': factor,
  })}`;
}

export function submitDriver(spec: SubmitSpec): V1Pod {
  const main =
    spec.appType === 'python'
      ? ['driver', '--properties-file', '/opt/spark/conf/spark.properties', '--class', 'org.apache.spark.deploy.PythonRunner', 'local:///opt/app/main.py']
      : ['driver', '--properties-file', '/opt/spark/conf/spark.properties', '--class', 'org.apache.spark.examples.SparkPi', 'local:///opt/spark/examples/jars/spark-examples.jar', '1000'];
  const pod = makePod(`${spec.app}-driver`)
    .ns(spec.ns)
    .sparkApp(spec.app, spec.selector)
    .label('spark-version', '3.5.3')
    .role('driver')
    .args(...main)
    .env('SPARK_USER', 'spark')
    .env('SPARK_APPLICATION_ID', spec.selector)
    .env('SPARK_CONF_DIR', '/opt/spark/conf')
    .requests({ cpu: spec.driverCpu ?? '1', memory: spec.driverMemory ?? '1408Mi' })
    .limits({ memory: spec.driverMemory ?? '1408Mi' })
    .obj();
  const c = pod.spec!.containers[0]!;
  c.volumeMounts = [{ name: 'spark-conf-volume-driver', mountPath: '/opt/spark/conf' }];
  pod.spec!.volumes = [
    { name: 'spark-conf-volume-driver', configMap: { name: confMapName(spec), items: [{ key: 'spark.properties', path: 'spark.properties', mode: 420 }], defaultMode: 420 } },
  ];
  pod.spec!.restartPolicy = 'Never';
  return pod;
}

export function submitConfigMap(spec: SubmitSpec, driver: V1Pod): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: confMapName(spec),
      namespace: spec.ns,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: driver.metadata?.name ?? '', uid: driver.metadata?.uid ?? '', controller: true }],
    },
    immutable: true,
    data: { 'spark.properties': sparkProperties(spec), 'spark.kubernetes.namespace': spec.ns },
  };
}
