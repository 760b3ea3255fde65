// The persisted form of one gang's plan (GangRecord, versioned). The lead's
// adapter stores it as the JSON annotation gangplank.io/gang-record on the
// gang's anchor pod (the driver, or the oldest member of a co-created gang)
// before the first Binding; Ledger.restore rebuilds from records and pods.
// Consumption is not stored: it is derived from bound pods, which carry
// gangplank.io/gang and gangplank.io/slot from their own bind.
import { formatQuantity } from '../k8s/quantity.js';
import { parseResourceList, type ResourceList } from '../k8s/resources.js';
import type { GangKind, Role } from './identity.js';

export const GANG_RECORD_VERSION = 1;

export interface GangRecordSlot {
  readonly id: string;
  readonly role: Role;
  readonly node: string;
  readonly zone?: string;
  /** Quantities as Kubernetes writes them ("1", "1408Mi"). */
  readonly requests: Record<string, string>;
  /** The pod a slot is pinned to (driver, co-created member); absent for executor slots. */
  readonly pod?: string;
}

export interface GangRecord {
  readonly version: typeof GANG_RECORD_VERSION;
  readonly namespace: string;
  readonly name: string;
  readonly kind: GangKind;
  readonly anchor: { readonly name: string; readonly uid: string };
  /** RFC 3339 times. */
  readonly createdAt: string;
  readonly plannedAt: string;
  readonly timeoutSeconds: number;
  readonly slots: readonly GangRecordSlot[];
}

export function formatResources(r: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) out[k] = formatQuantity(k, v);
  return out;
}

/** Parse and check a record; an Error names the first problem. */
export function parseGangRecord(text: string): GangRecord | Error {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return new Error(`gang record is not JSON: ${(err as Error).message}`);
  }
  const r = v as Partial<GangRecord>;
  if (r === null || typeof r !== 'object') return new Error('gang record is not an object');
  if (r.version !== GANG_RECORD_VERSION) return new Error(`gang record version ${String(r.version)} is not ${GANG_RECORD_VERSION}`);
  for (const k of ['namespace', 'name', 'createdAt', 'plannedAt'] as const) {
    if (typeof r[k] !== 'string') return new Error(`gang record: ${k} is missing`);
  }
  if (r.kind !== 'driver-led' && r.kind !== 'co-created') return new Error('gang record: kind is invalid');
  if (typeof r.anchor?.uid !== 'string' || typeof r.anchor?.name !== 'string') return new Error('gang record: anchor is missing');
  if (typeof r.timeoutSeconds !== 'number' || !(r.timeoutSeconds > 0)) return new Error('gang record: timeoutSeconds is invalid');
  if (!Array.isArray(r.slots)) return new Error('gang record: slots is missing');
  for (const s of r.slots) {
    if (typeof s?.id !== 'string' || typeof s.node !== 'string' || typeof s.role !== 'string') return new Error('gang record: a slot lacks id, node or role');
    try {
      parseResourceList(s.requests);
    } catch (err) {
      return new Error(`gang record: slot ${s.id}: ${(err as Error).message}`);
    }
  }
  return r as GangRecord;
}
