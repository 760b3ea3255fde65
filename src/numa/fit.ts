// Zone fit under single-numa: one zone must hold the whole request of every
// listed resource the pod asks for (resources it does not ask for, or that
// are not listed, are checked at node level only).
import type { ResourceList } from '../k8s/resources.js';
import type { NumaRequirement } from './policy.js';

/** Free room of a zone for one resource. */
export type ZoneFree = (zone: string, resource: string) => number;

export function zoneFits(need: ResourceList, numa: NumaRequirement, zone: string, free: ZoneFree): boolean {
  if (!numa) return true;
  for (const r of numa) {
    const want = need[r] ?? 0;
    if (want > 0 && free(zone, r) < want) return false;
  }
  return true;
}

/**
 * How many pods of shape `need` fit in one zone: the least over listed
 * resources of floor(free / need). Infinity when the shape asks for none.
 */
export function zoneCount(need: ResourceList, numa: NumaRequirement, zone: string, free: ZoneFree): number {
  let n = Infinity;
  for (const r of numa ?? []) {
    const want = need[r] ?? 0;
    if (want > 0) n = Math.min(n, Math.floor(Math.max(0, free(zone, r)) / want));
  }
  return n;
}

/**
 * Waste left in a zone after placing `need`: the mean over listed requested
 * resources of free-after / free-before. 0 is a perfect fit, 1 the emptiest.
 */
export function zoneWaste(need: ResourceList, numa: NumaRequirement, zone: string, free: ZoneFree): number {
  let sum = 0;
  let n = 0;
  for (const r of numa ?? []) {
    const want = need[r] ?? 0;
    if (want <= 0) continue;
    const f = free(zone, r);
    sum += f > 0 ? (f - want) / f : 1;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

/** The fitting zone with the least waste (ties: name order), or undefined. */
export function bestZone(need: ResourceList, numa: NumaRequirement, zones: readonly string[], free: ZoneFree): string | undefined {
  let best: string | undefined;
  let bestWaste = Infinity;
  for (const z of zones) {
    if (!zoneFits(need, numa, z, free)) continue;
    const w = zoneWaste(need, numa, z, free);
    if (w < bestWaste || (w === bestWaste && best !== undefined && z < best)) {
      best = z;
      bestWaste = w;
    }
  }
  return best;
}
