// What bound and assumed pods use: summed per node, and per zone where a pod
// has a recorded zone (kept apart for bound and assumed pods, which the
// annotation's zones subtract). Every change is charged to the nodes' free-room
// records as it happens, at O(resources).
import type { V1Pod } from '@kubernetes/client-node';
import { podRequests, type ResourceList } from '../../k8s/resources.js';
import type { NodeTable } from './nodes.js';
import { addInto, EMPTY, zoneKey } from './sums.js';

/** Requests of a pod as it occupies a node: the scheduler's PodRequests plus one of `pods`. */
export function podUsage(pod: V1Pod): ResourceList {
  const r = podRequests(pod);
  r.pods = 1;
  return r;
}

/** Where usage changes are charged. */
export type UsageRoom = Pick<NodeTable, 'chargeNode' | 'chargeAnnotatedZone'>;

export class UsageTable {
  private readonly used = new Map<string, ResourceList>();
  private readonly zoneBound = new Map<string, ResourceList>();
  private readonly zoneAssumed = new Map<string, ResourceList>();

  constructor(private readonly room: UsageRoom) {}

  /** A node's live usage record, made if missing; never replaced, so node facts hold it. */
  record(node: string): ResourceList {
    let used = this.used.get(node);
    if (!used) this.used.set(node, (used = {}));
    return used;
  }

  usedOn(node: string): ResourceList {
    return this.used.get(node) ?? EMPTY;
  }

  /** Bound pods Gangplank placed in a zone (annotated gangplank.io/numa-zone). */
  boundIn(node: string, zone: string): ResourceList {
    return this.zoneBound.get(zoneKey(node, zone)) ?? EMPTY;
  }

  assumedIn(node: string, zone: string): ResourceList {
    return this.zoneAssumed.get(zoneKey(node, zone)) ?? EMPTY;
  }

  /**
   * Count (sign 1) or uncount (−1) a bound or assumed pod's usage on a node
   * and its recorded zone. NRT zones are charged through the pending set
   * instead (./topology.ts), which stops once the exporter includes the pod.
   */
  add(node: string, zone: string | undefined, r: ResourceList, sign: 1 | -1, bound: boolean): void {
    addInto(this.used, node, r, sign);
    this.room.chargeNode(node, r, sign);
    if (!zone) return;
    addInto(bound ? this.zoneBound : this.zoneAssumed, zoneKey(node, zone), r, sign);
    this.room.chargeAnnotatedZone(node, zone, r, sign);
  }
}
