// Node scores for /prioritize (0..MAX_EXTENDER_PRIORITY), pure: a pod with a
// planned node or slot (driver, pinned member, steered executor) scores its
// node highest and the rest 0. Others score best fit: the less room a node
// (or, where the pod needs one, the zone it gets) has left after the pod, the
// higher; so a pod that fits in a partly used zone goes there, and whole zones
// stay free for the large GPU pods that need them. Plus a bonus for nodes that
// already hold members of the pod's gang (executors beyond the reservation).
import type { V1Pod } from '@kubernetes/client-node';
import { MAX_EXTENDER_PRIORITY, type HostPriorityList } from '../k8s/wire.js';
import { podNumaRequirement } from '../numa/policy.js';
import { podUsage, type CapacityIndex } from './capacity.js';
import { membership } from './identity.js';
import type { Ledger } from './ledger.js';
import { demand, Room } from './room.js';

const FIT_WEIGHT = 0.8;
const CLOSE_WEIGHT = 0.2;

export interface ScoreInput {
  readonly index: CapacityIndex;
  readonly ledger: Ledger;
  /** Resources that share a zone when a pod's annotation names none (extender.numaResources). */
  readonly numaResources: readonly string[];
  /** Set when NodeResourceTopology data is stale. */
  readonly staleTopology?: string;
}

/** The node a pod's plan holds for it, if any. */
export function plannedNode(ledger: Ledger, pod: V1Pod): string | undefined {
  const uid = pod.metadata?.uid ?? '';
  const ref = ledger.slotOf(uid);
  if (ref && !ref.slot.consumedBy && (ref.slot.podUid === uid || ref.slot.assignedTo === uid)) return ref.slot.node;
  return undefined;
}

export function scoreNodes(input: ScoreInput, pod: V1Pod, names: readonly string[]): HostPriorityList {
  const planned = plannedNode(input.ledger, pod);
  if (planned) return names.map((Host) => ({ Host, Score: Host === planned ? MAX_EXTENDER_PRIORITY : 0 }));
  const room = new Room(input.index, input.ledger, { staleTopology: input.staleTopology });
  const need = podUsage(pod);
  const numa = podNumaRequirement(pod, input.numaResources);
  const m = membership(pod, input.index);
  const gangNodes = new Set<string>();
  if (m) for (const f of input.index.gangMembers(m.gang.key)) if (f.node) gangNodes.add(f.node);
  const d = demand(need, numa);
  // Zones matter where the pod's annotation asks for one, or a node's kubelet may align it.
  const zonal = d.zoneKeys.length > 0 || numa.aligned.containers > 0;
  const out: HostPriorityList = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const Host = names[i] as string;
    let fit = room.fitFractionDemand(Host, d);
    if (fit < 0) {
      out[i] = { Host, Score: 0 };
      continue;
    }
    if (zonal) {
      const f = room.fitsDemand(Host, d);
      if (!f.ok) {
        out[i] = { Host, Score: 0 };
        continue;
      }
      if (f.zone) fit = (fit + (1 - room.zoneWasteDemand(Host, f.zone, d))) / 2;
    }
    const close = gangNodes.size > 0 && gangNodes.has(Host) ? 1 : 0;
    const score = Math.round(MAX_EXTENDER_PRIORITY * (FIT_WEIGHT * fit + CLOSE_WEIGHT * close));
    out[i] = { Host, Score: Math.min(MAX_EXTENDER_PRIORITY, Math.max(0, score)) };
  }
  return out;
}
