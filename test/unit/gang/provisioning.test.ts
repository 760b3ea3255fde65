import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { admit } from '../../../src/gang/admit.js';
import { gangId } from '../../../src/gang/identity.js';
import { provisioningName, provisioningObjects } from '../../../src/gang/provisioning.js';
import { Provisioner, type ProvisioningApi } from '../../../src/extender/provisioning.js';
import { makeState } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const CLASS = 'best-effort-atomic-scale-up.autoscaling.x-k8s.io';

const driver = (executors: number) =>
  makePod('pi-driver')
    .ns('spark')
    .uid('uid-pi')
    .sparkApp('pi', 'spark-pi')
    .role('driver')
    .nodeSelector({ pool: 'spark' })
    .requests({ cpu: '1', memory: '1Gi' })
    .annotations({ 'gangplank.io/executor-count': String(executors), 'gangplank.io/executor-resources': JSON.stringify({ cpu: '2', memory: '3Gi', 'nvidia.com/gpu': '1' }) })
    .obj();

describe('ProvisioningRequest objects', () => {
  it('pod sets: the driver ×1 and its executors ×N, each a PodTemplate with the requests and placement, owned by the driver', () => {
    const c = { nodeSelector: { pool: 'spark' }, tolerations: [] };
    const o = provisioningObjects({
      gang: gangId('spark', 'spark-pi'),
      driver: driver(5),
      driverConstraints: c,
      executors: { count: 5, countSource: 'annotation', requests: { cpu: 2000, memory: 3 * 2 ** 30, 'nvidia.com/gpu': 1 }, resourcesSource: 'annotation' },
      executorConstraints: c,
      className: CLASS,
    });
    expect(o.name).toBe('gangplank-spark-pi');
    expect(o.request).toMatchObject({
      apiVersion: 'autoscaling.x-k8s.io/v1',
      kind: 'ProvisioningRequest',
      metadata: { name: 'gangplank-spark-pi', namespace: 'spark', ownerReferences: [{ kind: 'Pod', name: 'pi-driver', uid: 'uid-pi' }] },
      spec: {
        provisioningClassName: CLASS,
        podSets: [
          { podTemplateRef: { name: 'gangplank-spark-pi-driver' }, count: 1 },
          { podTemplateRef: { name: 'gangplank-spark-pi-executor' }, count: 5 },
        ],
      },
    });
    const exec = o.templates[1] as { template: { spec: { nodeSelector: unknown; containers: { resources: { requests: Record<string, string> } }[] } } };
    expect(exec.template.spec.nodeSelector).toEqual({ pool: 'spark' });
    expect(exec.template.spec.containers[0]?.resources.requests).toEqual({ cpu: '2', memory: '3Gi', 'nvidia.com/gpu': '1' });
  });

  it('names stay DNS labels short enough for the template suffixes, distinct for long gang names', () => {
    const a = provisioningName(gangId('ns', `${'x'.repeat(70)}-a`));
    const b = provisioningName(gangId('ns', `${'x'.repeat(70)}-b`));
    expect(a).not.toBe(b);
    expect(`${a}-executor`.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
  });
});

describe('Provisioner (the extender adapter)', () => {
  function setup() {
    const calls: string[] = [];
    const api: ProvisioningApi = {
      create: async (path, body) => void calls.push(`create ${path} ${(body.metadata as { name: string }).name}`),
      remove: async (path) => void calls.push(`delete ${path}`),
    };
    const t = makeState({ nodes: [makeNode('n1').cpu('4').memory('16Gi').gpu(1).label('pool', 'spark').obj()], config: { sparkConfigWaitSeconds: 0 } });
    const p = new Provisioner({ state: t.state, api, className: CLASS, logger: pino({ level: 'silent' }) });
    return { t, p, calls };
  }

  it('creates the request once while the gang does not fit and deletes it when the gang is placed', async () => {
    const { t, p, calls } = setup();
    const d = driver(3);
    t.addPod(d);
    const v = admit(t.state.context(), d, ['n1']);
    expect(v.kind).toBe('DoesNotFit');
    p.observe(d, v);
    p.observe(d, admit(t.state.context(), d, ['n1']));
    await p.idle();
    expect(calls).toEqual([
      'create /api/v1/namespaces/spark/podtemplates gangplank-spark-pi-driver',
      'create /api/v1/namespaces/spark/podtemplates gangplank-spark-pi-executor',
      'create /apis/autoscaling.x-k8s.io/v1/namespaces/spark/provisioningrequests gangplank-spark-pi',
    ]);
    // The autoscaler added a node: the gang is planned, the request goes.
    t.state.onNode('add', makeNode('n2').cpu('8').memory('32Gi').gpu(4).label('pool', 'spark').obj());
    const ready = admit(t.state.context(), d, ['n1', 'n2']);
    expect(ready.kind).toBe('Ready');
    p.observe(d, ready);
    await p.idle();
    expect(calls.slice(3)).toEqual([
      'delete /apis/autoscaling.x-k8s.io/v1/namespaces/spark/provisioningrequests/gangplank-spark-pi',
      'delete /api/v1/namespaces/spark/podtemplates/gangplank-spark-pi-driver',
      'delete /api/v1/namespaces/spark/podtemplates/gangplank-spark-pi-executor',
    ]);
  });

  it('deletes the request when the driver goes, and ignores other pods and gangs that merely wait', async () => {
    const { t, p, calls } = setup();
    const d = driver(3);
    t.addPod(d);
    p.observe(d, admit(t.state.context(), d, ['n1']));
    p.podGone(makePod('other').uid('uid-other').obj());
    await p.idle();
    expect(calls).toHaveLength(3);
    p.podGone(d);
    await p.idle();
    expect(calls.slice(3).every((c) => c.startsWith('delete '))).toBe(true);
    expect(calls).toHaveLength(6);
    p.observe(d, { kind: 'Wait', gang: gangId('spark', 'spark-pi'), counts: { need: 4, fit: 0 }, message: 'older gangs first' });
    await p.idle();
    expect(calls).toHaveLength(6);
  });
});
