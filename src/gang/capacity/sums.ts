// Resource sums keyed by node or by zone, and charges against free-room
// records: the arithmetic every part of the capacity index shares.
import type { ResourceList } from '../../k8s/resources.js';

/** What a missing sum reads as; frozen because callers get it back as a live record. */
export const EMPTY: ResourceList = Object.freeze({}) as ResourceList;

/** Add (sign 1) or take away (−1) `r` in `target`'s entry for `key`, made on first use. */
export function addInto(target: Map<string, ResourceList>, key: string, r: ResourceList, sign: 1 | -1): void {
  let cur = target.get(key);
  if (!cur) {
    cur = {};
    target.set(key, cur);
  }
  for (const k in r) cur[k] = (cur[k] ?? 0) + sign * (r[k] as number);
}

/** Subtract (sign 1) or give back (sign −1) `r` in a free-room record. */
export function charge(free: ResourceList, r: ResourceList, sign: 1 | -1): void {
  for (const k in r) free[k] = (free[k] ?? 0) - sign * (r[k] as number);
}

// One flat key per zone keeps the per-zone sums in one map each; NUL cannot
// occur in a node name.
export const zoneKey = (node: string, zone: string): string => `${node}\u0000${zone}`;

export function splitZoneKey(key: string): [node: string, zone: string] {
  return key.split('\u0000') as [string, string];
}

/** Zones named in a recorded zone (gangplank.io/numa-zone): one, or several joined by commas (restricted policy). */
export function zoneParts(zone: string): readonly string[] {
  return zone.includes(',') ? zone.split(',').filter((z) => z !== '') : [zone];
}
