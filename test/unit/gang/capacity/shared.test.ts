// SharedValues and the shared resource arithmetic of the capacity index
// (src/gang/capacity/shared.ts, sums.ts).
import { describe, expect, it } from 'vitest';
import { SharedValues } from '../../../../src/gang/capacity/shared.js';
import { addInto, charge, splitZoneKey, zoneKey, zoneParts } from '../../../../src/gang/capacity/sums.js';
import type { ResourceList } from '../../../../src/k8s/resources.js';

describe('SharedValues', () => {
  it('gives back the first object kept for an equal value', () => {
    const s = new SharedValues<ResourceList>();
    const a = { cpu: 1000, pods: 1 };
    expect(s.intern(a)).toBe(a);
    expect(s.intern({ cpu: 1000, pods: 1 })).toBe(a);
    const b = { cpu: 2000, pods: 1 };
    expect(s.intern(b)).toBe(b);
    expect(s.size).toBe(2);
  });

  it('passes null through without keeping it', () => {
    const s = new SharedValues<ResourceList | null>();
    expect(s.intern(null)).toBeNull();
    expect(s.size).toBe(0);
  });

  it('starts afresh when full: bounded, and still correct', () => {
    const s = new SharedValues<ResourceList>(2);
    const a = { cpu: 1 };
    s.intern(a);
    s.intern({ cpu: 2 });
    s.intern({ cpu: 3 }); // clears, then keeps this one
    expect(s.size).toBe(1);
    const a2 = { cpu: 1 };
    expect(s.intern(a2)).toBe(a2);
    expect(s.intern({ cpu: 1 })).toBe(a2);
  });
});

describe('resource sums', () => {
  it('addInto makes an entry on first use and adds or takes away; charge subtracts from free room', () => {
    const m = new Map<string, ResourceList>();
    addInto(m, 'n1', { cpu: 1000, pods: 1 }, 1);
    addInto(m, 'n1', { cpu: 400 }, -1);
    expect(m.get('n1')).toEqual({ cpu: 600, pods: 1 });
    const free: ResourceList = { cpu: 1000 };
    charge(free, { cpu: 300, gpu: 1 }, 1);
    expect(free).toEqual({ cpu: 700, gpu: -1 });
    charge(free, { cpu: 300, gpu: 1 }, -1);
    expect(free).toEqual({ cpu: 1000, gpu: 0 });
  });

  it('zone keys round-trip, and a recorded zone names one or several zones', () => {
    expect(splitZoneKey(zoneKey('n1', 'node-0'))).toEqual(['n1', 'node-0']);
    expect(zoneKey('a', 'bc')).not.toBe(zoneKey('ab', 'c'));
    expect(zoneParts('node-1')).toEqual(['node-1']);
    expect(zoneParts('node-0,node-1,')).toEqual(['node-0', 'node-1']);
  });
});
