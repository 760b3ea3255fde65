// Fluent pod builder for tests (table tests from builders). `obj()` returns a
// fresh deep copy each time, so a test can never leak changes into another.
//
//   makePod().ns('spark').sparkApp('spark-pi', 'spark-5f2c').role('executor').gpu(2).obj()
//
// `.asAdmitted()` shapes the pod as the API server hands it to a mutating
// webhook: defaulted schedulerName, the two NoExecute tolerations the
// DefaultTolerationSeconds plugin adds, a projected service-account token
// volume and mount, priority, and requests copied from limits.
import type { V1Container, V1Pod, V1Toleration } from '@kubernetes/client-node';

type Quantities = Record<string, string>;

export const SPARK_DRIVER_CONTAINER = 'spark-kubernetes-driver';
export const SPARK_EXECUTOR_CONTAINER = 'spark-kubernetes-executor';

export class PodBuilder {
  private pod: V1Pod;

  constructor(name = 'pod') {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: {}, annotations: {} },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    };
  }

  private get main(): V1Container {
    return (this.pod.spec?.containers ?? [])[0] as V1Container;
  }

  name(name: string): this {
    this.pod.metadata!.name = name;
    return this;
  }
  ns(namespace: string): this {
    this.pod.metadata!.namespace = namespace;
    return this;
  }
  uid(uid: string): this {
    this.pod.metadata!.uid = uid;
    return this;
  }
  created(iso: string): this {
    (this.pod.metadata as Record<string, unknown>).creationTimestamp = iso;
    return this;
  }
  label(key: string, value: string): this {
    this.pod.metadata!.labels![key] = value;
    return this;
  }
  labels(labels: Record<string, string>): this {
    Object.assign(this.pod.metadata!.labels!, labels);
    return this;
  }
  annotation(key: string, value: string): this {
    this.pod.metadata!.annotations![key] = value;
    return this;
  }
  annotations(annotations: Record<string, string>): this {
    Object.assign(this.pod.metadata!.annotations!, annotations);
    return this;
  }
  scheduler(name: string): this {
    this.pod.spec!.schedulerName = name;
    return this;
  }
  serviceAccount(name: string): this {
    this.pod.spec!.serviceAccountName = name;
    return this;
  }
  nodeName(node: string): this {
    this.pod.spec!.nodeName = node;
    return this;
  }
  phase(phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed'): this {
    this.pod.status = { ...(this.pod.status ?? {}), phase };
    return this;
  }
  nodeSelector(sel: Record<string, string>): this {
    this.pod.spec!.nodeSelector = { ...(this.pod.spec!.nodeSelector ?? {}), ...sel };
    return this;
  }
  toleration(t: V1Toleration): this {
    this.pod.spec!.tolerations = [...(this.pod.spec!.tolerations ?? []), t];
    return this;
  }
  /** Rename the first container (Spark's main container names). */
  container(name: string, image = 'apache/spark:3.5.0'): this {
    this.main.name = name;
    this.main.image = image;
    return this;
  }
  env(name: string, value: string): this {
    this.main.env = [...(this.main.env ?? []), { name, value }];
    return this;
  }
  requests(q: Quantities): this {
    this.main.resources = { ...(this.main.resources ?? {}), requests: { ...(this.main.resources?.requests ?? {}), ...q } };
    return this;
  }
  limits(q: Quantities): this {
    this.main.resources = { ...(this.main.resources ?? {}), limits: { ...(this.main.resources?.limits ?? {}), ...q } };
    return this;
  }
  cpu(q: string): this {
    return this.requests({ cpu: q });
  }
  memory(q: string): this {
    return this.requests({ memory: q });
  }
  /** GPUs are extended resources: requests must equal limits. */
  gpu(n: number, resource = 'nvidia.com/gpu'): this {
    return this.requests({ [resource]: String(n) }).limits({ [resource]: String(n) });
  }
  initContainer(c: V1Container): this {
    this.pod.spec!.initContainers = [...(this.pod.spec!.initContainers ?? []), c];
    return this;
  }
  overhead(q: Quantities): this {
    this.pod.spec!.overhead = q;
    return this;
  }
  /** Spark's own labels as spark-submit sets them, and its main container. */
  sparkApp(appName: string, selector: string): this {
    return this.labels({ 'spark-app-name': appName, 'spark-app-selector': selector });
  }
  role(role: 'driver' | 'executor'): this {
    this.label('spark-role', role);
    return this.container(role === 'driver' ? SPARK_DRIVER_CONTAINER : SPARK_EXECUTOR_CONTAINER);
  }
  /** Executor pods as Spark creates them: spark-exec-id and an ownerReference to the driver. */
  executorOf(driverName: string, driverUid: string, execId: number): this {
    this.label('spark-exec-id', String(execId));
    this.pod.metadata!.ownerReferences = [
      { apiVersion: 'v1', kind: 'Pod', name: driverName, uid: driverUid, controller: true },
    ];
    return this;
  }
  /** Labels spark-operator passes to spark-submit for both roles (and spark.app.name = app name). */
  sparkOperator(appName: string, submissionId = '0907b7aa-3049-4149-81e8-0d1135b0bc5f'): this {
    return this.labels({
      'spark-app-name': appName,
      'sparkoperator.k8s.io/app-name': appName,
      'sparkoperator.k8s.io/launched-by-spark-operator': 'true',
      'sparkoperator.k8s.io/submission-id': submissionId,
    });
  }
  ownerReference(ref: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }): this {
    this.pod.metadata!.ownerReferences = [...(this.pod.metadata!.ownerReferences ?? []), ref];
    return this;
  }
  /** Arguments of the first container (Spark's driver gets `driver --properties-file ... --class ...`). */
  args(...args: string[]): this {
    this.main.args = args;
    return this;
  }
  /** A required node affinity term: key In values. */
  requireNode(key: string, values: string[]): this {
    this.pod.spec!.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator: 'In', values }] }] },
      },
    };
    return this;
  }
  gang(name: string, minAvailable: number): this {
    return this.labels({
      'pod-group.scheduling.kubenexus.io/name': name,
      'pod-group.scheduling.kubenexus.io/min-available': String(minAvailable),
    });
  }
  /** The pod as a mutating webhook receives it after the API server's defaulting. */
  asAdmitted(): this {
    const spec = this.pod.spec!;
    spec.schedulerName ??= 'default-scheduler';
    spec.restartPolicy ??= 'Always';
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.terminationGracePeriodSeconds ??= 30;
    spec.securityContext ??= {};
    spec.priority ??= 0;
    spec.enableServiceLinks ??= true;
    spec.preemptionPolicy ??= 'PreemptLowerPriority';
    spec.serviceAccountName ??= 'default';
    const tolerations = spec.tolerations ?? [];
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tolerations.some((t) => t.key === key)) {
        tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
      }
    }
    spec.tolerations = tolerations;
    const volume = 'kube-api-access-x7k2p';
    spec.volumes = [
      ...(spec.volumes ?? []),
      {
        name: volume,
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ];
    for (const c of spec.containers) {
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.imagePullPolicy ??= 'IfNotPresent';
      c.volumeMounts = [
        ...(c.volumeMounts ?? []),
        { name: volume, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
      ];
      const limits = c.resources?.limits;
      if (limits) c.resources = { ...c.resources, requests: { ...limits, ...(c.resources?.requests ?? {}) } };
    }
    return this;
  }
  obj(): V1Pod {
    return structuredClone(this.pod);
  }
}

export function makePod(name?: string): PodBuilder {
  return new PodBuilder(name);
}
