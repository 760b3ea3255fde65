// Which persisted gang records the ledger may believe (issue 9; docs/adr/0005-trusting-gang-records.md).
// A record (gangplank.io/gang-record) lives on a pod, and anyone who may patch
// that pod may write it, so a record counts only where it is consistent with
// the pod that carries it: the same namespace, the anchor is that very pod
// (name and uid), the gang is the one that pod belongs to, and its time-out
// and size are within the configured bounds. A record whose pod is gone holds
// nothing (the ledger restores only records of live anchors).
import type { V1Pod } from '@kubernetes/client-node';
import type { GangRecord } from '../contract/gang-record.js';
import { membership, type DriverLookup } from './identity.js';

export interface TrustLimits {
  /** The longest time-out a record may hold room for (extender.maxGangTimeoutSeconds). */
  readonly maxTimeoutSeconds: number;
  /** The most slots a record may hold (extender.maxExecutors + 1 for the driver). */
  readonly maxSlots: number;
}

export type Trust = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const refuse = (reason: string): Trust => ({ ok: false, reason });

/** Whether `record`, found on `carrier`, may be restored into the ledger. */
export function trustRecord(record: GangRecord, carrier: V1Pod, limits: TrustLimits, lookup?: DriverLookup): Trust {
  const meta = carrier.metadata ?? {};
  const where = `${meta.namespace}/${meta.name}`;
  if (record.namespace !== meta.namespace) return refuse(`record on ${where} names namespace ${record.namespace}`);
  if (record.anchor.uid !== meta.uid || record.anchor.name !== meta.name) {
    return refuse(`record on ${where} names anchor ${record.anchor.name} (uid ${record.anchor.uid}), not the pod that carries it`);
  }
  const m = membership(carrier, lookup);
  if (!m) return refuse(`record on ${where}, which belongs to no gang`);
  if (m.gang.name !== record.name) return refuse(`record on ${where} names gang ${record.name}; the pod belongs to ${m.gang.name}`);
  if (m.kind !== record.kind) return refuse(`record on ${where} is ${record.kind}; the pod's gang is ${m.kind}`);
  if (record.timeoutSeconds > limits.maxTimeoutSeconds) {
    return refuse(`record on ${where} holds room for ${record.timeoutSeconds}s; at most ${limits.maxTimeoutSeconds}s is allowed`);
  }
  if (record.slots.length > limits.maxSlots) return refuse(`record on ${where} holds ${record.slots.length} slots; at most ${limits.maxSlots} are allowed`);
  const foreign = record.slots.find((s) => s.role === 'driver' && s.pod !== undefined && s.pod !== meta.uid);
  if (foreign) return refuse(`record on ${where} pins its driver slot to another pod (${foreign.pod})`);
  return { ok: true };
}
