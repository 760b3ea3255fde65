import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { PodFragment } from '../../../src/config/index.js';
import { mergeFragment, type Mode } from '../../../src/webhook/merge.js';
import { makePod, type PodBuilder } from '../../support/pod.js';

function run(pod: PodBuilder, fragment: PodFragment, mode: Mode, role: 'driver' | 'executor' = 'executor'): { pod: V1Pod; warnings: string[] } {
  const p = pod.obj();
  const warnings: string[] = [];
  mergeFragment(p, fragment, role, mode, (w) => warnings.push(w));
  return { pod: p, warnings };
}

const exec = (): PodBuilder => makePod('e').sparkApp('pi', 'spark-0123456789abcdef0123456789abcdef').role('executor');

describe('template: defaults, the pod wins', () => {
  it.each([
    {
      name: 'labels added where absent, kept where present',
      pod: exec().label('team', 'data'),
      tpl: { metadata: { labels: { team: 'ml', tier: 'batch' } } },
      check: (p: V1Pod) => expect(p.metadata?.labels).toMatchObject({ team: 'data', tier: 'batch' }),
    },
    {
      name: 'annotations added where absent',
      pod: exec().annotation('a', '1'),
      tpl: { metadata: { annotations: { a: '2', b: '3' } } },
      check: (p: V1Pod) => expect(p.metadata?.annotations).toEqual({ a: '1', b: '3' }),
    },
    {
      name: 'nodeSelector merges key by key',
      pod: exec().nodeSelector({ zone: 'a' }),
      tpl: { spec: { nodeSelector: { zone: 'b', 'kubernetes.io/os': 'linux' } } },
      check: (p: V1Pod) => expect(p.spec?.nodeSelector).toEqual({ zone: 'a', 'kubernetes.io/os': 'linux' }),
    },
    {
      name: 'tolerations: union without duplicates',
      pod: exec().toleration({ key: 'x', operator: 'Exists', effect: 'NoSchedule' }),
      tpl: { spec: { tolerations: [{ effect: 'NoSchedule', operator: 'Exists', key: 'x' }, { key: 'y', operator: 'Exists' }] } },
      check: (p: V1Pod) => expect(p.spec?.tolerations?.map((t) => t.key)).toEqual(['x', 'y']),
    },
    {
      name: 'env by name on the main container when the template container has another name',
      pod: exec().env('A', 'pod'),
      tpl: { spec: { containers: [{ name: 'spark', env: [{ name: 'A', value: 'tpl' }, { name: 'B', value: 'tpl' }] }] } },
      check: (p: V1Pod) => {
        expect(p.spec?.containers).toHaveLength(1);
        expect(p.spec?.containers[0]?.name).toBe('spark-kubernetes-executor');
        expect(p.spec?.containers[0]?.env).toEqual([{ name: 'A', value: 'pod' }, { name: 'B', value: 'tpl' }]);
      },
    },
    {
      name: 'a second unmatched template container is a sidecar',
      pod: exec(),
      tpl: { spec: { containers: [{ name: 'main-tpl', image: 'ignored' }, { name: 'log-shipper', image: 'fluent-bit' }] } },
      check: (p: V1Pod) => {
        expect(p.spec?.containers.map((c) => c.name)).toEqual(['spark-kubernetes-executor', 'log-shipper']);
        expect(p.spec?.containers[0]?.image).toBe('apache/spark:3.5.0');
      },
    },
    {
      name: 'volumes and volume mounts by name; an occupied mount path is not taken',
      pod: exec().asAdmitted(),
      tpl: {
        spec: {
          volumes: [{ name: 'spark-data', emptyDir: {} }, { name: 'kube-api-access-x7k2p', emptyDir: {} }],
          containers: [
            {
              name: 'spark-kubernetes-executor',
              volumeMounts: [
                { name: 'spark-data', mountPath: '/data' },
                { name: 'other', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
              ],
            },
          ],
        },
      },
      check: (p: V1Pod) => {
        expect(p.spec?.volumes?.map((v) => v.name)).toEqual(['kube-api-access-x7k2p', 'spark-data']);
        expect(p.spec?.volumes?.[0]?.projected).toBeDefined();
        expect(p.spec?.containers[0]?.volumeMounts?.map((m) => m.name)).toEqual(['kube-api-access-x7k2p', 'spark-data']);
      },
    },
    {
      name: 'ports by name',
      pod: exec(),
      tpl: { spec: { containers: [{ name: 'spark-kubernetes-executor', ports: [{ name: 'metrics', containerPort: 9090 }] }] } },
      check: (p: V1Pod) => expect(p.spec?.containers[0]?.ports).toEqual([{ name: 'metrics', containerPort: 9090 }]),
    },
    {
      name: 'the API default service account may be replaced',
      pod: exec().asAdmitted(),
      tpl: { spec: { serviceAccountName: 'kyuubi-sa' } },
      check: (p: V1Pod) => expect(p.spec?.serviceAccountName).toBe('kyuubi-sa'),
    },
    {
      name: 'a chosen service account is kept',
      pod: exec().serviceAccount('spark').asAdmitted(),
      tpl: { spec: { serviceAccountName: 'kyuubi-sa' } },
      check: (p: V1Pod) => expect(p.spec?.serviceAccountName).toBe('spark'),
    },
    {
      name: 'resources: absent keys added',
      pod: exec().requests({ cpu: '1', memory: '1408Mi' }),
      tpl: { spec: { containers: [{ name: 'spark-kubernetes-executor', resources: { requests: { cpu: '2', 'ephemeral-storage': '1Gi' } } }] } },
      check: (p: V1Pod) => expect(p.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '1', memory: '1408Mi', 'ephemeral-storage': '1Gi' }),
    },
  ])('$name', ({ pod, tpl, check }) => {
    check(run(pod, tpl as PodFragment, 'template').pod);
  });

  it('a template limit below the pod request is not applied, with a warning', () => {
    const { pod, warnings } = run(exec().requests({ cpu: '1' }), { spec: { containers: [{ name: 'x', resources: { limits: { cpu: '500m' } } }] } }, 'template');
    expect(pod.spec?.containers[0]?.resources?.limits).toBeUndefined();
    expect(warnings.join()).toMatch(/below/);
  });
});

describe('overrides: they win', () => {
  it.each([
    {
      name: 'labels set',
      pod: exec().label('team', 'data'),
      ovr: { metadata: { labels: { team: 'ml' } } },
      check: (p: V1Pod) => expect(p.metadata?.labels?.team).toBe('ml'),
    },
    {
      name: 'scalar replaced',
      pod: exec().asAdmitted(),
      ovr: { spec: { priorityClassName: 'batch-low', serviceAccountName: 'spark' } },
      check: (p: V1Pod) => expect(p.spec).toMatchObject({ priorityClassName: 'batch-low', serviceAccountName: 'spark' }),
    },
    {
      name: 'env replaced by name',
      pod: exec().env('A', 'pod'),
      ovr: { spec: { containers: [{ name: 'spark-kubernetes-executor', env: [{ name: 'A', value: 'ovr' }] }] } },
      check: (p: V1Pod) => expect(p.spec?.containers[0]?.env).toEqual([{ name: 'A', value: 'ovr' }]),
    },
    {
      name: 'tolerations still a union',
      pod: exec().toleration({ key: 'x', operator: 'Exists' }),
      ovr: { spec: { tolerations: [{ key: 'y', operator: 'Exists' }] } },
      check: (p: V1Pod) => expect(p.spec?.tolerations?.map((t) => t.key)).toEqual(['x', 'y']),
    },
  ])('$name', ({ pod, ovr, check }) => {
    check(run(pod, ovr as PodFragment, 'overrides').pod);
  });

  type Q = Record<string, string>;
  it.each<{ name: string; req: Q; lim?: Q; ovr: { requests?: Q; limits?: Q }; wantReq: Q; wantLim: Q }>([
    { name: 'lower limit pulls the request down (seed governance)', req: { cpu: '1', memory: '1408Mi' }, ovr: { limits: { cpu: '500m', memory: '1Gi' } }, wantReq: { cpu: '500m', memory: '1Gi' }, wantLim: { cpu: '500m', memory: '1Gi' } },
    { name: 'higher request raises the limit', req: { cpu: '1', memory: '1Gi' }, lim: { memory: '1Gi' }, ovr: { requests: { memory: '2Gi' } }, wantReq: { cpu: '1', memory: '2Gi' }, wantLim: { memory: '2Gi' } },
    { name: 'limit above the request leaves it', req: { cpu: '250m' }, ovr: { limits: { cpu: '500m' } }, wantReq: { cpu: '250m' }, wantLim: { cpu: '500m' } },
  ])('resources: $name', ({ req, lim, ovr, wantReq, wantLim }) => {
    let b = exec().requests(req);
    if (lim) b = b.limits(lim);
    const { pod, warnings } = run(b, { spec: { containers: [{ name: 'spark-kubernetes-executor', resources: ovr }] } }, 'overrides');
    expect(pod.spec?.containers[0]?.resources).toEqual({ requests: wantReq, limits: wantLim });
    expect(warnings.length > 0).toBe(JSON.stringify(wantReq) !== JSON.stringify(req));
  });
});
