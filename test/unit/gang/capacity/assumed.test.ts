// AssumedPods (src/gang/capacity/assumed.ts): pods bound but not yet seen
// bound, and when each assumption ends.
import { describe, expect, it } from 'vitest';
import { AssumedPods } from '../../../../src/gang/capacity/assumed.js';

const at = (expiresAt: number) => ({ node: 'n1', usage: { cpu: 1000 }, expiresAt });

describe('AssumedPods', () => {
  it('expires in insertion order, stopping at the first assumption still running (one TTL for all)', () => {
    const a = new AssumedPods();
    a.add('a', at(10));
    a.add('b', at(20));
    a.add('c', at(15));
    expect(a.expiredBy(5)).toEqual([]);
    expect(a.expiredBy(16)).toEqual(['a']);
    expect(a.expiredBy(20)).toEqual(['a', 'b', 'c']);
    // Reporting is not forgetting: the caller uncounts, then takes.
    expect(a.has('a')).toBe(true);
  });

  it('take ends an assumption once; assumed again it goes to the back of the line', () => {
    const a = new AssumedPods();
    a.add('a', at(10));
    a.add('b', at(20));
    expect(a.take('a')).toEqual(at(10));
    expect(a.take('a')).toBeUndefined();
    expect(a.has('a')).toBe(false);
    a.add('a', at(30));
    expect([...a.entries()].map(([uid]) => uid)).toEqual(['b', 'a']);
    expect(a.expiredBy(25)).toEqual(['b']);
  });
});
