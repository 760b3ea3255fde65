// The persisted form of one gang's plan (GangRecord, versioned), stored by
// the extender as the JSON annotation gangplank.io/gang-record on the gang's
// anchor pod (the driver, or the member of a co-created gang that binds
// first), on its Binding or before the first Binding (docs/adr/0001-plans-on-anchor-pods.md). The ledger
// rebuilds from it after a restart; the webhook reads it on a driver to give
// the driver's executors the min-available the plan really has.
// Consumption is not stored: it is derived from bound pods, which carry
// gangplank.io/gang and gangplank.io/slot from their own bind.
import { GANG_RECORD } from './keys.js';
import { VALUE_SOURCES, type Codec, type ValueSource } from './annotations.js';
import { toSchedulerUnits } from '../k8s/quantity.js';

export const GANG_RECORD_VERSION = 1;

export type GangKind = 'driver-led' | 'co-created';
export type Role = 'driver' | 'executor' | 'member';

export interface GangRecordSlot {
  readonly id: string;
  readonly role: Role;
  readonly node: string;
  readonly zone?: string;
  /** Quantities as Kubernetes writes them ("1", "1408Mi"). */
  readonly requests: Readonly<Record<string, string>>;
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
  /** For a driver-led gang: where the extender took N and the executor shape from. */
  readonly sources?: { readonly count: ValueSource; readonly resources: ValueSource };
}

const ROLES: readonly string[] = ['driver', 'executor', 'member'];
const MAX_SLOTS = 10_002;

function check(r: Partial<GangRecord>): Error | undefined {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return new Error('gang record is not an object');
  if (r.version !== GANG_RECORD_VERSION) return new Error(`gang record version ${String(r.version)} is not ${GANG_RECORD_VERSION}`);
  for (const k of ['namespace', 'name', 'createdAt', 'plannedAt'] as const) {
    if (typeof r[k] !== 'string') return new Error(`gang record: ${k} is missing`);
  }
  if (r.kind !== 'driver-led' && r.kind !== 'co-created') return new Error('gang record: kind is invalid');
  if (typeof r.anchor?.uid !== 'string' || typeof r.anchor?.name !== 'string') return new Error('gang record: anchor is missing');
  if (typeof r.timeoutSeconds !== 'number' || !(r.timeoutSeconds > 0)) return new Error('gang record: timeoutSeconds is invalid');
  if (!Array.isArray(r.slots) || r.slots.length > MAX_SLOTS) return new Error('gang record: slots is missing');
  for (const s of r.slots) {
    if (typeof s?.id !== 'string' || typeof s.node !== 'string' || !ROLES.includes(s.role)) return new Error('gang record: a slot lacks id, node or role');
    if (s.zone !== undefined && typeof s.zone !== 'string') return new Error(`gang record: slot ${s.id}: zone is not a string`);
    if (s.pod !== undefined && typeof s.pod !== 'string') return new Error(`gang record: slot ${s.id}: pod is not a string`);
    if (s.requests === null || typeof s.requests !== 'object' || Array.isArray(s.requests)) return new Error(`gang record: slot ${s.id}: requests is not an object`);
    for (const [k, q] of Object.entries(s.requests)) {
      try {
        if (typeof q !== 'string') throw new Error(`${k} is not a quantity string`);
        toSchedulerUnits(k, q);
      } catch (err) {
        return new Error(`gang record: slot ${s.id}: ${(err as Error).message}`);
      }
    }
  }
  if (r.sources !== undefined) {
    const ok = (v: unknown): boolean => typeof v === 'string' && (VALUE_SOURCES as readonly string[]).includes(v);
    if (r.sources === null || typeof r.sources !== 'object' || !ok(r.sources.count) || !ok(r.sources.resources)) return new Error('gang record: sources is invalid');
  }
  return undefined;
}

/** gangplank.io/gang-record: parse(format(r)) = r for every valid record. */
export const gangRecordCodec: Codec<GangRecord> = {
  key: GANG_RECORD,
  format: (r) => JSON.stringify(r),
  parse(text) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      return new Error(`gang record is not JSON: ${(err as Error).message}`);
    }
    const problem = check(v as Partial<GangRecord>);
    return problem ?? (v as GangRecord);
  },
};

/** Executors the record's plan reserved room for. */
export function reservedExecutors(r: GangRecord): number {
  return r.slots.filter((s) => s.role === 'executor').length;
}
