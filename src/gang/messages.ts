// Reasons are constants; messages carry numbers (docs/architecture.md, "Reasons carry numbers").
import { formatQuantity } from '../k8s/quantity.js';
import type { ResourceList } from '../k8s/resources.js';

export const Reason = {
  Ready: 'Ready',
  Wait: 'Wait',
  DoesNotFit: 'DoesNotFit',
  NotInGang: 'NotInGang',
  CacheNotSynced: 'CacheNotSynced',
  CacheStale: 'CacheStale',
  BadGangSpec: 'BadGangSpec',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** `{cpu 1, memory 1408Mi}`, without the `pods` slot every pod takes. */
export function shapeText(r: ResourceList): string {
  const parts = Object.entries(r)
    .filter(([k, v]) => k !== 'pods' && v > 0)
    .sort(([a], [b]) => order(a) - order(b) || (a < b ? -1 : 1))
    .map(([k, v]) => `${k} ${formatQuantity(k, v)}`);
  return `{${parts.join(', ')}}`;
}

function order(k: string): number {
  return k === 'cpu' ? 0 : k === 'memory' ? 1 : 2;
}

export function sameShape(a: ResourceList, b: ResourceList): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

/** `n1: 2, n2: 1` for the nodes with the most, and `+N more`. */
export function perNodeText(counts: ReadonlyMap<string, number>, limit = 5): string {
  const rows = [...counts].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = rows.slice(0, limit).map(([node, n]) => `${node}: ${n}`);
  if (rows.length > limit) shown.push(`+${rows.length - limit} more nodes`);
  return shown.join(', ');
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
