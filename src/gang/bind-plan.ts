// What /bind does for one pod, decided purely (docs/architecture.md): which
// annotations ride on its Binding (gang, slot, NUMA zone; the plan itself is
// added by the adapter when this bind carries it), which zone to record, and
// what to give back if the Binding fails. The adapter
// (src/extender/verbs/bind.ts) does the I/O: waiting for a plan write in
// flight, the Binding, and applying this decision to the ledger and index.
import type { V1Pod } from '@kubernetes/client-node';
import { GANG_ANNOTATION, NUMA_ZONE, SLOT_ANNOTATION } from '../contract/keys.js';
import type { ResourceList } from '../k8s/resources.js';
import { podNumaRequirement } from '../numa/policy.js';
import type { CapacityIndex } from './capacity.js';
import { membership } from './identity.js';
import type { GangState, Ledger, Slot } from './ledger.js';
import { demand, Room } from './room.js';

/** What a failed Binding gives back. */
export type OnBindFailure = 'unassign-slot' | 'release-gang' | 'keep-slot';

export interface BindPlan {
  readonly annotations: Record<string, string>;
  /** The NUMA zone recorded for the pod (and assumed in the index). */
  readonly zone?: string;
  readonly onFailure: OnBindFailure;
}

export interface BindInput {
  readonly index: CapacityIndex;
  readonly ledger: Ledger;
  readonly numaResources: readonly string[];
  readonly node: string;
  /** The pod as the cache or the filter saw it (unknown: no zone, no usage). */
  readonly pod?: V1Pod;
  readonly usage?: ResourceList;
}

/**
 * A pod binding into its gang's slot on `node`. The zone: the slot's, unless
 * the pod (larger than its slot, or aligned by the node's kubelet where the
 * slot was not) fits only in another; where the kubelet picks the zone, the
 * one it will pick (it knows no reservations, so that view adds them all back).
 * On failure: an executor gives back its tentative slot; the driver, or a
 * co-created gang none of whose members is bound yet, gives the whole plan
 * back; a pinned member of a partly bound gang keeps its slot for the retry.
 */
export function planSlotBind(input: BindInput, key: string, slot: Slot, gangState: GangState): BindPlan {
  let zone = slot.zone;
  if (input.pod && input.usage) {
    const d = demand(input.usage, podNumaRequirement(input.pod, input.numaResources));
    const room = new Room(input.index, input.ledger, { credit: slot });
    if (!slot.zone || !room.fitsZone(input.node, slot.zone, d)) {
      const f = room.fitsDemand(input.node, d);
      if (f.ok && f.zone) zone = f.zone;
    }
    zone = new Room(input.index, input.ledger).kubeletZone(input.node, d) ?? zone;
  }
  const annotations: Record<string, string> = { [GANG_ANNOTATION]: key, [SLOT_ANNOTATION]: slot.id };
  if (zone) annotations[NUMA_ZONE] = zone;
  const onFailure: OnBindFailure = slot.role === 'executor' ? 'unassign-slot' : slot.role === 'driver' || gangState === 'planned' ? 'release-gang' : 'keep-slot';
  return { annotations, ...(zone ? { zone } : {}), onFailure };
}

/**
 * A pod with no slot: in no gang, or an executor/member beyond its
 * reservation (slot "none"). It must still fit, zone included where it needs
 * one; an Error says why it no longer does.
 */
export function planFreeBind(input: BindInput & { readonly staleTopology?: string }): BindPlan | Error {
  const annotations: Record<string, string> = {};
  let zone: string | undefined;
  const { pod, usage } = input;
  if (pod && usage) {
    const numa = podNumaRequirement(pod, input.numaResources);
    if (numa.listed || numa.aligned.containers > 0) {
      const room = new Room(input.index, input.ledger, { staleTopology: input.staleTopology });
      const d = demand(usage, numa);
      const f = room.fitsDemand(input.node, d);
      if (!f.ok) return new Error(`${pod.metadata?.namespace}/${pod.metadata?.name} no longer fits on ${input.node}: ${f.reason}`);
      zone = room.kubeletZone(input.node, d) ?? f.zone;
      if (zone) annotations[NUMA_ZONE] = zone;
    }
    const m = membership(pod, input.index);
    if (m) {
      annotations[GANG_ANNOTATION] = m.gang.key;
      annotations[SLOT_ANNOTATION] = 'none';
    }
  }
  return { annotations, ...(zone ? { zone } : {}), onFailure: 'keep-slot' };
}
