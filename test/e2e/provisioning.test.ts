// Issue 11 item 3 on the real control plane: with
// extender.provisioningRequests.enabled, a driver-led gang that fits nowhere
// gets a ProvisioningRequest (autoscaling.x-k8s.io/v1) whose pod sets are the
// driver and its executors; it goes when the gang is placed (here: nodes
// added, as an autoscaler would) or when the driver is deleted. There is no
// cluster autoscaler: the test installs the CRD stand-in
// (test/fixtures/crds/provisioningrequest.yaml) and plays the autoscaler.
import type { V1Pod } from '@kubernetes/client-node';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readManifests } from '../../dev/cluster/apply.js';
import { repoRoot } from '../../dev/cluster/local.js';
import { waitFor } from '../../dev/cluster/process.js';
import { useLocalCluster } from './support/cluster.js';
import { driverPod } from './support/spark.js';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const CLASS = 'best-effort-atomic-scale-up.autoscaling.x-k8s.io';

interface ProvisioningRequest {
  metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
  spec: { provisioningClassName: string; podSets: { podTemplateRef: { name: string }; count: number }[] };
}
interface PodTemplate {
  metadata: { name: string };
  template: { spec: { containers: { resources?: { requests?: Record<string, string> } }[] } };
}

const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);

describe('ProvisioningRequests for gangs that fit nowhere', () => {
  const e2e = useLocalCluster({
    gangplankConfig: { schedulerName: 'gangplank-scheduler', extender: { gangTimeoutSeconds: 300, sparkConfigWaitSeconds: 1, provisioningRequests: { enabled: true } } },
  });
  const requests = async (ns: string) =>
    (await e2e.client().request<{ items: ProvisioningRequest[] }>({ path: `/apis/autoscaling.x-k8s.io/v1/namespaces/${ns}/provisioningrequests` })).items;
  const templates = async (ns: string) => (await e2e.client().request<{ items: PodTemplate[] }>({ path: `/api/v1/namespaces/${ns}/podtemplates` })).items;
  const until = (what: string, ok: () => Promise<boolean>) => waitFor(what, ok, 30_000);

  beforeAll(async () => {
    const crd = readManifests(join(repoRoot(), 'test', 'fixtures', 'crds', 'provisioningrequest.yaml'))[0];
    await e2e.client().request({ method: 'POST', path: CRD_PATH, body: crd });
    await waitFor(
      'the ProvisioningRequest CRD served',
      async () => {
        const list = await e2e
          .client()
          .request<{ resources?: { name: string }[] }>({ path: '/apis/autoscaling.x-k8s.io/v1' })
          .catch(() => ({ resources: [] }));
        return (list.resources ?? []).some((r) => r.name === 'provisioningrequests');
      },
      30_000,
    );
  }, 60_000);

  it('P01. created with the driver ×1 and its 4 executors ×4, deleted with its templates once added nodes let the gang be placed', async () => {
    const ns = await e2e.namespace('p1');
    await e2e.nodes('1x cpu=2,memory=8Gi');
    await e2e.createPod(driverPod({ ns, app: 'grow', executors: 4, executorCpu: '2', memory: '2Gi' }));
    await until('a ProvisioningRequest', async () => (await requests(ns)).length === 1);
    const [req] = await requests(ns);
    expect(req?.spec.provisioningClassName).toBe(CLASS);
    expect(req?.spec.podSets.map((s) => s.count)).toEqual([1, 4]);
    expect(req?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Pod', name: 'grow-driver' });
    const byName = new Map((await templates(ns)).map((t) => [t.metadata.name, t]));
    const exec = byName.get(req?.spec.podSets[1]?.podTemplateRef.name ?? '');
    expect(exec?.template.spec.containers[0]?.resources?.requests).toMatchObject({ cpu: '2' });
    expect(byName.has(req?.spec.podSets[0]?.podTemplateRef.name ?? '')).toBe(true);
    expect((await e2e.getPod(ns, 'grow-driver')).spec?.nodeName).toBeFalsy();

    // The autoscaler's part: nodes for the whole gang.
    await e2e.nodes('2x cpu=8,memory=16Gi', 'p1big');
    await e2e.waitForPod(ns, 'grow-driver', 'to be bound', bound, 60_000);
    await until('the ProvisioningRequest deleted', async () => (await requests(ns)).length === 0);
    await until('its PodTemplates deleted', async () => (await templates(ns)).length === 0);
  });

  it('P02. deleted when the driver is deleted; a gang that fits gets none', async () => {
    const ns = await e2e.namespace('p2');
    await e2e.nodes('1x cpu=4,memory=8Gi');
    await e2e.createPod(driverPod({ ns, app: 'small', executors: 2 }));
    await e2e.waitForPod(ns, 'small-driver', 'to be bound', bound);
    await e2e.createPod(driverPod({ ns, app: 'huge', executors: 20 }));
    await until('a ProvisioningRequest for the huge gang', async () => (await requests(ns)).length === 1);
    expect((await requests(ns))[0]?.spec.podSets.map((s) => s.count)).toEqual([1, 20]);
    await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/huge-driver`, body: { gracePeriodSeconds: 0 } });
    await until('the ProvisioningRequest deleted', async () => (await requests(ns)).length === 0);
    await until('its PodTemplates deleted', async () => (await templates(ns)).length === 0);
  });
});
