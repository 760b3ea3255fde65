// The extender caches stripped pods and nodes (src/k8s/strip.ts). Every reader
// must decide the same from a stripped object as from the whole one: the
// readers one by one on realistic objects, then whole filter/prioritize/bind
// sequences over two extender states, one fed whole objects, one stripped.
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { podConstraints } from '../../../src/contract/annotations.js';
import { driverAppType } from '../../../src/contract/spark-pod.js';
import { bind } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { prioritize } from '../../../src/extender/verbs/prioritize.js';
import { podUsage } from '../../../src/gang/capacity.js';
import { executorConstraints } from '../../../src/gang/constraints.js';
import { membership } from '../../../src/gang/identity.js';
import { stripNode, stripPod } from '../../../src/extender/strip.js';
import type { ExtenderFilterResult } from '../../../src/k8s/wire.js';
import { podNumaRequirement } from '../../../src/numa/policy.js';
import { makeState } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const log = pino({ level: 'silent' });

/** What the API server and kubelet add to a pod, none of which Gangplank reads. */
function realistic(p: V1Pod): V1Pod {
  const pod = structuredClone(p);
  pod.metadata!.managedFields = [{ manager: 'spark-submit', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }];
  pod.metadata!.annotations = { ...pod.metadata!.annotations, 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(p) };
  const dress = (c: V1Container): V1Container => ({
    ...c,
    env: [{ name: 'SPARK_DRIVER_BIND_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }, ...Array.from({ length: 20 }, (_, i) => ({ name: `SPARK_JAVA_OPT_${i}`, value: `-Dspark.x${i}=${'v'.repeat(40)}` }))],
    volumeMounts: [{ name: 'spark-conf-volume-driver', mountPath: '/opt/spark/conf' }, { name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
    ports: [{ name: 'driver-rpc-port', containerPort: 7078 }],
    livenessProbe: { tcpSocket: { port: 7078 } },
    securityContext: { runAsUser: 185 },
    terminationMessagePath: '/dev/termination-log',
    imagePullPolicy: 'IfNotPresent',
  });
  pod.spec!.containers = pod.spec!.containers.map(dress);
  pod.spec!.volumes = [
    ...(pod.spec!.volumes ?? []),
    ...(pod.metadata?.labels?.['spark-role'] === 'driver' ? [{ name: 'spark-conf-volume-driver', configMap: { name: 'spark-drv-0a1b2c-conf-map', defaultMode: 420 } }] : []),
    { name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } },
    { name: 'spark-local-dir-1', emptyDir: {} },
  ];
  pod.spec!.securityContext = { fsGroup: 185 };
  pod.status = {
    ...pod.status,
    conditions: [{ type: 'PodScheduled', status: 'True' }],
    containerStatuses: [{ name: 'spark-kubernetes-driver', ready: true, restartCount: 0, image: 'apache/spark:3.5.0', imageID: 'sha256:abc', started: true, state: { running: { startedAt: new Date('2026-01-01T00:00:05Z') } } }],
    podIPs: [{ ip: '10.0.0.7' }],
    hostIPs: [{ ip: '192.168.0.7' }],
  };
  return pod;
}

function realisticNode(n: V1Node): V1Node {
  const node = structuredClone(n);
  node.metadata!.managedFields = [{ manager: 'kubelet', operation: 'Update' }];
  node.status = {
    ...node.status,
    images: Array.from({ length: 50 }, (_, i) => ({ names: [`registry.example/img-${i}@sha256:${'a'.repeat(64)}`, `registry.example/img-${i}:v1`], sizeBytes: 1e8 })),
    nodeInfo: { machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian', containerRuntimeVersion: 'containerd://2.0', kubeletVersion: 'v1.35.4', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
  };
  return node;
}

const driver = () =>
  makePod('pi-driver')
    .ns('spark')
    .uid('uid-drv')
    .created('2026-01-01T00:00:00Z')
    .sparkApp('spark-pi', 'sel-pi')
    .role('driver')
    .gang('spark-pi', 4)
    .args('driver', '--properties-file', '/opt/spark/conf/spark.properties', '--class', 'org.apache.spark.deploy.PythonRunner', 'local:///app.py')
    .annotation('gangplank.io/executor-resources', JSON.stringify({ cpu: '1', memory: '1408Mi' }))
    .annotation('numa.scheduling.kubenexus.io/policy', 'none')
    .nodeSelector({ pool: 'spark' })
    .toleration({ key: 'dedicated', operator: 'Equal', value: 'spark', effect: 'NoSchedule' })
    .requests({ cpu: '1', memory: '1408Mi' })
    .initContainer({ name: 'log-shipper', image: 'fluent-bit', restartPolicy: 'Always', resources: { requests: { cpu: '100m', memory: '64Mi' } } })
    .overhead({ cpu: '50m' })
    .asAdmitted()
    .obj();
const executor = (i: number) => makePod(`pi-exec-${i}`).ns('spark').uid(`uid-exec-${i}`).sparkApp('spark-pi', 'sel-pi').role('executor').executorOf('pi-driver', 'uid-drv', i).requests({ cpu: '1', memory: '1408Mi' }).asAdmitted().obj();
const nodes = () => [1, 2].map((i) => makeNode(`n${i}`).cpu('4').memory('16Gi').label('pool', 'spark').taint({ key: 'dedicated', value: 'spark', effect: 'NoSchedule' }).obj());

describe('stripped objects', () => {
  it('drop what no reader uses (managedFields, env, mounts, probes, other volumes, container statuses, node images)', () => {
    const full = realistic(driver());
    const s = stripPod(full);
    expect(s.metadata?.managedFields).toBeUndefined();
    expect(s.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(s.spec?.containers.every((c) => c.env === undefined && c.volumeMounts === undefined && c.livenessProbe === undefined)).toBe(true);
    expect(s.spec?.volumes).toEqual([{ name: 'spark-conf-volume-driver', configMap: { name: 'spark-drv-0a1b2c-conf-map' } }]);
    expect(s.status?.containerStatuses).toBeUndefined();
    expect(JSON.stringify(s).length).toBeLessThan(JSON.stringify(full).length / 3);
    // Gangplank's own annotations stay; kubectl's and others' go.
    expect(Object.keys(s.metadata?.annotations ?? {}).sort()).toEqual(['gangplank.io/executor-resources', 'numa.scheduling.kubenexus.io/policy']);
    const n = stripNode(realisticNode(nodes()[0]!));
    expect(n.status?.images).toBeUndefined();
    expect(n.status?.allocatable).toEqual(nodes()[0]!.status?.allocatable);
    // The input is not changed.
    expect(full.metadata?.managedFields).toBeDefined();
  });

  it('give every reader the same answer as the whole object', () => {
    for (const p of [realistic(driver()), realistic(executor(1))]) {
      const s = stripPod(p);
      expect(podUsage(s)).toEqual(podUsage(p));
      expect(membership(s)).toEqual(membership(p));
      expect(podNumaRequirement(s, ['cpu', 'memory'])).toEqual(podNumaRequirement(p, ['cpu', 'memory']));
      expect(podConstraints(s)).toEqual(podConstraints(p));
      expect(executorConstraints(s)).toEqual(executorConstraints(p));
      expect(driverAppType(s)).toEqual(driverAppType(p));
      expect((s.spec?.volumes ?? []).map((v) => v.configMap?.name)).toEqual((p.spec?.volumes ?? []).filter((v) => v.configMap).map((v) => v.configMap?.name));
    }
    expect(driverAppType(stripPod(realistic(driver())))).toBe('python');
  });

  it('an extender fed stripped objects answers filter, prioritize and bind exactly as one fed whole objects', async () => {
    const run = async (shape: (p: V1Pod) => V1Pod, shapeNode: (n: V1Node) => V1Node) => {
      const bound = realistic(makePod('web').ns('default').uid('uid-web').requests({ cpu: '3', memory: '4Gi' }).nodeName('n1').phase('Running').obj());
      const ts = makeState({ nodes: nodes().map(shapeNode), pods: [shape(bound)] });
      const out: unknown[] = [];
      const filter = (p: V1Pod) => createFilterVerb(ts.state).handle({ Pod: realistic(p), NodeNames: ['n1', 'n2'] }, log) as ExtenderFilterResult;
      const d = driver();
      ts.addPod(shape(realistic(d)));
      const f = filter(d);
      out.push(f, prioritize(ts.state, realistic(d), ['n1', 'n2']));
      await bind(ts.state, { PodName: 'pi-driver', PodNamespace: 'spark', PodUID: 'uid-drv', Node: f.NodeNames![0]! });
      ts.markBound(shape(realistic(d)), f.NodeNames![0]!, ts.binder.bindings.at(-1)!.annotations);
      for (const i of [1, 2, 3]) {
        const e = executor(i);
        ts.addPod(shape(realistic(e)));
        const fe = filter(e);
        out.push(fe, prioritize(ts.state, realistic(e), ['n1', 'n2']));
        await bind(ts.state, { PodName: e.metadata!.name!, PodNamespace: 'spark', PodUID: e.metadata!.uid!, Node: fe.NodeNames![0]! });
        ts.markBound(shape(realistic(e)), fe.NodeNames![0]!, ts.binder.bindings.at(-1)!.annotations);
      }
      out.push(ts.binder.bindings.map((b) => ({ ...b, annotations: { ...b.annotations, 'gangplank.io/gang-record': undefined } })), ts.state.ledger.get('spark/spark-pi')?.state);
      return out;
    };
    const whole = await run((p) => p, (n) => n);
    const stripped = await run(stripPod, stripNode);
    expect(stripped).toEqual(whole);
    // The gang was placed whole in both: the comparison is not of two failures.
    expect(whole.at(-1)).toBe('filled');
  });
});
