// The reservation side of the free-room records. Reservations live in the
// Ledger; this mirrors the room it holds per node and per zone, told of every
// change (HoldListener), and charges each change to the nodes' records, so
// that a filter call need not ask the ledger.
import type { ResourceList } from '../../k8s/resources.js';
import type { NodeTable } from './nodes.js';
import { addInto, EMPTY, splitZoneKey, zoneKey, zoneParts } from './sums.js';

/** The reservation side of the free-room records: implemented by the Ledger. */
export interface ReservationSource {
  /** Who is told of every change of held room (at most one listener). */
  holdListener: HoldListener | undefined;
  /** Every node's and zone's held room, for a first sync. */
  forEachHeld(fn: (node: string, zone: string | undefined, r: ResourceList) => void): void;
}

export interface HoldListener {
  held(node: string, zone: string | undefined, r: ResourceList, sign: 1 | -1): void;
}

/** Where held room is charged. */
export type ReservationRoom = Pick<NodeTable, 'chargeNode' | 'chargeZone'>;

export class ReservationMirror implements HoldListener {
  private readonly onNode = new Map<string, ResourceList>();
  /** Per zone key (sums.ts zoneKey). */
  private readonly inZone = new Map<string, ResourceList>();
  private source: ReservationSource | undefined;

  constructor(private readonly room: ReservationRoom) {}

  /**
   * Mirror `ledger`'s reservations from now on. Cheap when already attached;
   * otherwise gives back the previous source's held room and replays the new
   * one's.
   */
  attach(ledger: ReservationSource): void {
    if (this.source === ledger && ledger.holdListener === this) return;
    for (const [node, r] of this.onNode) this.room.chargeNode(node, r, -1);
    for (const [key, r] of this.inZone) {
      const [node, zone] = splitZoneKey(key);
      this.room.chargeZone(node, zone, r, -1);
    }
    this.onNode.clear();
    this.inZone.clear();
    this.source = ledger;
    ledger.holdListener = this;
    ledger.forEachHeld((node, zone, r) => this.held(node, zone, r, 1));
  }

  held(node: string, zone: string | undefined, r: ResourceList, sign: 1 | -1): void {
    if (zone === undefined) {
      addInto(this.onNode, node, r, sign);
      this.room.chargeNode(node, r, sign);
      return;
    }
    // A reservation spanning zones (restricted policy) holds its request in each of them.
    for (const part of zoneParts(zone)) {
      addInto(this.inZone, zoneKey(node, part), r, sign);
      this.room.chargeZone(node, part, r, sign);
    }
  }

  /** Reservations held on a node. */
  reservedOn(node: string): ResourceList {
    return this.onNode.get(node) ?? EMPTY;
  }

  /** Reservations held in one zone (a reservation spanning zones counts in each). */
  reservedIn(node: string, zone: string): ResourceList {
    return this.inZone.get(zoneKey(node, zone)) ?? EMPTY;
  }
}
