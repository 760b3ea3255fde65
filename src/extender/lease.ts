// Which extender replica does the background writes (docs/adr/0006-extender-replicas.md): a
// coordination.k8s.io/v1 Lease of its own, as client-go's leader election
// does it. Every replica keeps its ledger current from the API (watched gang
// records and bound pods); only the holder of this Lease writes on its own
// initiative: time-out Events, waking parked pods, topology Events. Writes a
// scheduler call asks for (plans, Bindings) are made by whichever replica the
// leading kube-scheduler calls.
//
// The decision is pure (decideLease); LeaseElector runs it on a timer.
import { ApiError, type KubeClient } from '../k8s/client.js';
import type { Logger } from '../log.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export type LeaseAction = 'create' | 'renew' | 'acquire' | 'follow';

/** What a candidate does with the Lease it read (undefined: there is none) at `now`. */
export function decideLease(lease: LeaseObject | undefined, me: string, now: number, durationSeconds: number): LeaseAction {
  if (!lease) return 'create';
  const spec = lease.spec ?? {};
  if (spec.holderIdentity === me) return 'renew';
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  const duration = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
  if (!spec.holderIdentity || !Number.isFinite(renewed) || renewed + duration < now) return 'acquire';
  return 'follow';
}

/** A MicroTime as the API server writes it. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export function leaseBody(current: LeaseObject | undefined, ref: { namespace: string; name: string }, me: string, now: number, durationSeconds: number, action: LeaseAction): LeaseObject {
  const spec = current?.spec ?? {};
  const acquiring = action === 'create' || action === 'acquire';
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: ref.name, namespace: ref.namespace, ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}) },
    spec: {
      holderIdentity: me,
      leaseDurationSeconds: durationSeconds,
      acquireTime: acquiring ? microTime(now) : (spec.acquireTime ?? microTime(now)),
      renewTime: microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (action === 'acquire' ? 1 : 0),
    },
  };
}

export interface LeaseElectorOptions {
  readonly client: KubeClient;
  /** namespace/name of the Lease. */
  readonly lease: string;
  readonly identity: string;
  readonly logger: Logger;
  readonly durationSeconds?: number;
  readonly renewSeconds?: number;
  readonly now?: () => number;
  readonly onChange?: (leader: boolean) => void;
}

export interface LeaseElector {
  isLeader(): boolean;
  /** One round now (tests and start-up); the timer runs rounds after start(). */
  round(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export function parseLeaseRef(ref: string): { namespace: string; name: string } {
  const m = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)$/.exec(ref);
  if (!m) throw new Error(`the Lease must be namespace/name, got ${JSON.stringify(ref)}`);
  return { namespace: m[1] as string, name: m[2] as string };
}

export function createLeaseElector(opts: LeaseElectorOptions): LeaseElector {
  const ref = parseLeaseRef(opts.lease);
  const duration = opts.durationSeconds ?? 15;
  const renewMs = (opts.renewSeconds ?? 5) * 1000;
  const now = opts.now ?? Date.now;
  const path = `/apis/coordination.k8s.io/v1/namespaces/${ref.namespace}/leases`;
  const log = opts.logger.child({ lease: opts.lease, identity: opts.identity });
  let leader = false;
  /** When this replica last renewed successfully: a leader that cannot renew steps down before others may take over. */
  let renewedAt = 0;
  let timer: NodeJS.Timeout | undefined;

  const set = (value: boolean): void => {
    if (value === leader) return;
    leader = value;
    log.info({ leader: value }, value ? 'holding the extender Lease: this replica does the background writes' : 'not holding the extender Lease: no background writes');
    opts.onChange?.(value);
  };

  const round = async (): Promise<void> => {
    let current: LeaseObject | undefined;
    try {
      current = await opts.client.request<LeaseObject>({ path: `${path}/${ref.name}`, timeoutMs: renewMs });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) {
        // Cannot tell: keep leading only while the last renewal is fresh.
        if (leader && now() - renewedAt > (duration * 1000 * 2) / 3) set(false);
        log.warn({ err: String(err) }, 'cannot read the extender Lease');
        return;
      }
    }
    const t = now();
    const action = decideLease(current, opts.identity, t, duration);
    if (action === 'follow') {
      set(false);
      return;
    }
    const body = leaseBody(current, ref, opts.identity, t, duration, action);
    try {
      if (action === 'create') await opts.client.request({ method: 'POST', path, body, timeoutMs: renewMs });
      else await opts.client.request({ method: 'PUT', path: `${path}/${ref.name}`, body, timeoutMs: renewMs });
      renewedAt = t;
      set(true);
    } catch (err) {
      // 409: another replica wrote first; it leads.
      if (err instanceof ApiError && err.status === 409) set(false);
      else {
        if (leader && now() - renewedAt > (duration * 1000 * 2) / 3) set(false);
        log.warn({ err: String(err), action }, 'cannot write the extender Lease');
      }
    }
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      round()
        .catch((err: unknown) => log.warn({ err: String(err) }, 'lease round failed'))
        .finally(() => {
          if (timer) schedule();
        });
    }, renewMs);
    timer.unref();
  };

  return {
    isLeader: () => leader,
    round,
    start() {
      if (!timer) schedule();
    },
    async stop() {
      const t = timer;
      timer = undefined;
      if (t) clearTimeout(t);
      // Step down so a standby takes over at once instead of after the Lease expires.
      if (leader) {
        set(false);
        try {
          const current = await opts.client.request<LeaseObject>({ path: `${path}/${ref.name}` });
          if (current.spec?.holderIdentity === opts.identity) {
            await opts.client.request({ method: 'PUT', path: `${path}/${ref.name}`, body: { ...current, spec: { ...current.spec, holderIdentity: '', renewTime: undefined } } });
          }
        } catch (err) {
          log.warn({ err: String(err) }, 'could not release the extender Lease');
        }
      }
    },
  };
}
