// The cluster-autoscaler signal for a gang that fits nowhere (issue 11 item
// 3): a ProvisioningRequest (autoscaling.x-k8s.io/v1, KEP-4142 / the
// cluster-autoscaler's ProvisioningRequest API) whose pod sets are the
// driver and its N executors, each set a PodTemplate in the driver's
// namespace. With the atomic class the autoscaler adds nodes for all of
// them or none, which is the gang's own rule. Pure: the objects to create,
// named from the gang; the extender's adapter (src/extender/provisioning.ts)
// creates and deletes them.
import type { V1Pod } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { formatUnits } from '../contract/resource-layers.js';
import type { ResourceList } from '../k8s/resources.js';
import type { PlacementConstraints } from './constraints.js';
import type { DriverExecutors } from './driver-executors.js';
import { podUsage } from './capacity.js';
import type { GangId } from './identity.js';

export const PROVISIONING_GROUP_VERSION = 'autoscaling.x-k8s.io/v1';
export const PROVISIONING_RESOURCE = 'provisioningrequests';
/** The label on every object made for a gang: its gang name (the namespace is the object's). */
export const PROVISIONING_GANG_LABEL = 'gangplank.io/provisioning-for';

export interface ProvisioningObjects {
  readonly namespace: string;
  readonly name: string;
  readonly templates: readonly Record<string, unknown>[];
  readonly request: Record<string, unknown>;
}

/** `gangplank-<gang>` kept a DNS label (≤ 63, the driver-led gang name can be long), hashed when cut. */
export function provisioningName(gang: GangId): string {
  const base = `gangplank-${gang.name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (base.length <= 50) return base.replace(/-+$/, '');
  const hash = createHash('sha256').update(gang.key).digest('hex').slice(0, 8);
  return `${base.slice(0, 41).replace(/-+$/, '')}-${hash}`;
}

function requestsOf(r: ResourceList): Record<string, string> {
  const { pods: _pods, ...rest } = r;
  void _pods;
  return formatUnits(rest);
}

function placement(c: PlacementConstraints): Record<string, unknown> {
  return {
    ...(Object.keys(c.nodeSelector).length > 0 ? { nodeSelector: { ...c.nodeSelector } } : {}),
    ...(c.tolerations.length > 0 ? { tolerations: c.tolerations.map((t) => ({ ...t })) } : {}),
    ...(c.requiredNodeAffinity ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: c.requiredNodeAffinity } } } : {}),
  };
}

/**
 * The PodTemplates (driver ×1, executors ×N) and the ProvisioningRequest for
 * a driver-led gang. Templates hold only what decides placement: requests,
 * node selector, tolerations, required affinity. Each object is owned by the
 * driver, so the garbage collector removes them with it even if no extender
 * is there to.
 */
export function provisioningObjects(input: {
  readonly gang: GangId;
  readonly driver: V1Pod;
  readonly driverConstraints: PlacementConstraints;
  readonly executors: DriverExecutors;
  readonly executorConstraints: PlacementConstraints;
  readonly className: string;
}): ProvisioningObjects {
  const { gang, driver, executors } = input;
  const name = provisioningName(gang);
  const namespace = gang.namespace;
  const labels = { [PROVISIONING_GANG_LABEL]: gang.name.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '') };
  const owner = { apiVersion: 'v1', kind: 'Pod', name: driver.metadata?.name ?? '', uid: driver.metadata?.uid ?? '', blockOwnerDeletion: false };
  const meta = (n: string) => ({ name: n, namespace, labels, ownerReferences: [owner] });
  const template = (n: string, container: string, requests: Record<string, string>, c: PlacementConstraints) => ({
    apiVersion: 'v1',
    kind: 'PodTemplate',
    metadata: meta(n),
    template: {
      metadata: { labels },
      spec: { ...placement(c), containers: [{ name: container, image: driver.spec?.containers?.[0]?.image ?? 'spark', resources: { requests } }] },
    },
  });
  const driverTemplate = template(`${name}-driver`, 'driver', requestsOf(podUsage(driver)), input.driverConstraints);
  const executorTemplate = template(`${name}-executor`, 'executor', requestsOf(executors.requests), input.executorConstraints);
  const podSets = [{ podTemplateRef: { name: `${name}-driver` }, count: 1 }, ...(executors.count > 0 ? [{ podTemplateRef: { name: `${name}-executor` }, count: executors.count }] : [])];
  return {
    namespace,
    name,
    templates: executors.count > 0 ? [driverTemplate, executorTemplate] : [driverTemplate],
    request: {
      apiVersion: PROVISIONING_GROUP_VERSION,
      kind: 'ProvisioningRequest',
      metadata: meta(name),
      spec: { provisioningClassName: input.className, podSets },
    },
  };
}
