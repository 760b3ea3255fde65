// ReservationMirror (src/gang/capacity/reservations.ts): the ledger's held
// room, mirrored per node and zone and charged to the free-room records.
import { describe, expect, it } from 'vitest';
import { NodeTable } from '../../../../src/gang/capacity/nodes.js';
import { ReservationMirror, type HoldListener, type ReservationSource } from '../../../../src/gang/capacity/reservations.js';
import type { ResourceList } from '../../../../src/k8s/resources.js';
import { makeNode } from '../../../support/node.js';
import { GPU, roomInputs } from './support.js';

/** A ledger stand-in: held room it replays, and the listener it tells. */
class Source implements ReservationSource {
  holdListener: HoldListener | undefined;
  constructor(readonly holds: [string, string | undefined, ResourceList][] = []) {}
  forEachHeld(fn: (node: string, zone: string | undefined, r: ResourceList) => void): void {
    for (const [n, z, r] of this.holds) fn(n, z, r);
  }
  hold(node: string, zone: string | undefined, r: ResourceList): void {
    this.holds.push([node, zone, r]);
    this.holdListener?.held(node, zone, r, 1);
  }
}

function setup(): { mirror: ReservationMirror; nodes: NodeTable } {
  const nodes: NodeTable = new NodeTable(roomInputs({ reservedOn: (n) => mirror.reservedOn(n), reservedIn: (n, z) => mirror.reservedIn(n, z) }));
  const mirror: ReservationMirror = new ReservationMirror(nodes);
  nodes.upsert(
    makeNode('n1')
      .cpu('8')
      .gpu(8)
      .numaZones([
        { name: 'node-0', resources: { cpu: '4', [GPU]: '4' } },
        { name: 'node-1', resources: { cpu: '4', [GPU]: '4' } },
      ])
      .obj(),
  );
  return { mirror, nodes };
}

const zoneFree = (nodes: NodeTable): number[] => (nodes.get('n1')?.zones ?? []).map((z) => z.free[GPU] ?? 0);

describe('ReservationMirror', () => {
  it('mirrors held room per node and per zone; a reservation spanning zones holds in each', () => {
    const { mirror, nodes } = setup();
    mirror.held('n1', undefined, { cpu: 2000, [GPU]: 2 }, 1);
    mirror.held('n1', 'node-0,node-1', { [GPU]: 2 }, 1);
    expect(mirror.reservedOn('n1')).toEqual({ cpu: 2000, [GPU]: 2 });
    expect(mirror.reservedIn('n1', 'node-0')).toEqual({ [GPU]: 2 });
    expect(mirror.reservedIn('n1', 'node-1')).toEqual({ [GPU]: 2 });
    expect(nodes.get('n1')?.free).toMatchObject({ cpu: 6000, [GPU]: 6 });
    expect(zoneFree(nodes)).toEqual([2, 2]);
    mirror.held('n1', 'node-0,node-1', { [GPU]: 2 }, -1);
    expect(zoneFree(nodes)).toEqual([4, 4]);
  });

  it('attach replays a ledger and listens to it; the same ledger again is a no-op', () => {
    const { mirror, nodes } = setup();
    const ledger = new Source([['n1', undefined, { cpu: 1000 }]]);
    mirror.attach(ledger);
    expect(ledger.holdListener).toBe(mirror);
    ledger.hold('n1', 'node-1', { [GPU]: 1 });
    mirror.attach(ledger);
    expect(nodes.get('n1')?.free.cpu).toBe(7000);
    expect(zoneFree(nodes)).toEqual([4, 3]);
  });

  it('attaching another ledger gives back the first one\'s room and takes the new one\'s', () => {
    const { mirror, nodes } = setup();
    mirror.attach(new Source([['n1', undefined, { cpu: 1000 }], ['n1', 'node-0', { [GPU]: 3 }]]));
    mirror.attach(new Source([['n1', 'node-1', { [GPU]: 1 }]]));
    expect(nodes.get('n1')?.free.cpu).toBe(8000);
    expect(zoneFree(nodes)).toEqual([4, 3]);
    expect(mirror.reservedIn('n1', 'node-0')).toEqual({});
  });

  it('a node that arrives after holds starts from them', () => {
    const { mirror, nodes } = setup();
    mirror.held('n2', undefined, { cpu: 1500 }, 1);
    nodes.upsert(makeNode('n2').cpu('4').obj());
    expect(nodes.get('n2')?.free.cpu).toBe(2500);
  });
});
