// Writes each gang's status where kubectl shows it (src/gang/status.ts;
// docs/extender.md, "Gang status"): the annotation gangplank.io/gang-status
// and the label gangplank.io/gang-phase on the gang's anchor pod, and, for a
// gang named by a scheduler-plugins PodGroup, the PodGroup's status.
//
// Background writes: only the holder of the extender's Lease writes
// (docs/adr/0006-extender-replicas.md). The status is computed from what
// every replica knows (pods and the followed ledger), so a new holder writes
// the same thing. Gangs are marked dirty by pod, PodGroup and ledger
// changes and written at most once per flush, only when the text differs
// from what the API already shows (our own write comes back as an update
// and then matches). Every `resyncMs` every known gang is checked again, so
// a replica that just took the Lease catches up.
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeClient } from '../k8s/client.js';
import { GANG_PHASE_LABEL, GANG_STATUS, POD_GROUP_GROUP_VERSION, POD_GROUP_RESOURCE } from '../contract/keys.js';
import { effectiveMembership } from '../gang/admit.js';
import type { PodFacts } from '../gang/capacity.js';
import { formatGangStatus, gangStatus, podGroupStatus, sameStatus, type GangStatus } from '../gang/status.js';
import type { PodGroupStatus } from '../gang/podgroup.js';
import type { ExtenderState } from './state.js';

/** The API writes the writer makes (the runtime implements them with the client; tests record them). */
export interface StatusApi {
  /** Merge-patch the anchor pod's label and annotation (uid as a precondition); null removes one. */
  patchPod(namespace: string, name: string, uid: string, labels: Record<string, string | null>, annotations: Record<string, string | null>): Promise<void>;
  /** Merge-patch a PodGroup's status subresource. */
  patchPodGroupStatus(namespace: string, name: string, status: PodGroupStatus): Promise<void>;
}

export interface GangStatusWriterDeps {
  readonly state: ExtenderState;
  readonly api: StatusApi;
  readonly logger: Logger;
  /** True on the replica that does background writes. */
  readonly writer: () => boolean;
  readonly resyncMs?: number;
  readonly clock?: () => number;
}

/** RFC 3339 without fractions, as Kubernetes writes times. */
const rfc3339 = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export class GangStatusWriter {
  private readonly dirty = new Set<string>();
  private lastResync = -Infinity;
  private flushing: Promise<void> | undefined;
  private readonly clock: () => number;

  constructor(private readonly deps: GangStatusWriterDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  mark(key: string): void {
    this.dirty.add(key);
  }

  /** Write what changed (one pass at a time). */
  flush(): Promise<void> {
    this.flushing ??= this.pass().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** The status of one gang as it would be written (for tests and the writer). */
  statusOf(key: string): { status: GangStatus; anchor?: PodFacts; pods: V1Pod[]; others: PodFacts[] } | undefined {
    const { state } = this.deps;
    const facts = state.index.gangPods(key);
    const plan = state.ledger.get(key);
    if (facts.length === 0 && !plan) return undefined;
    const ctx = state.context();
    const first = facts[0];
    const m = first ? effectiveMembership(ctx, first.pod) : null;
    const kind = plan?.kind ?? m?.kind ?? 'co-created';
    const pg = m?.podGroup !== undefined ? ctx.podGroups?.podGroup(m.gang.namespace, m.podGroup) : undefined;
    const pods = facts.map((f) => f.pod);
    const minMembers = pg?.minMember ?? Math.max(0, ...facts.map((f) => f.membership?.minAvailable ?? 0));
    const status = gangStatus({ kind, pods, plan, ...(minMembers > 0 ? { minMembers } : {}) });
    const anchor = anchorOf(facts);
    return { status, anchor, pods, others: facts.filter((f) => f !== anchor) };
  }

  private async pass(): Promise<void> {
    const { state, logger, writer } = this.deps;
    const now = this.clock();
    if (now - this.lastResync >= (this.deps.resyncMs ?? 30_000)) {
      this.lastResync = now;
      for (const k of state.index.gangKeys()) this.dirty.add(k);
      for (const g of state.ledger.gangs()) this.dirty.add(g.id.key);
    }
    if (!writer()) {
      this.dirty.clear();
      return;
    }
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      try {
        await this.write(key);
      } catch (err) {
        logger.warn({ err: String(err), gang: key }, 'cannot write gang status');
      }
    }
  }

  private async write(key: string): Promise<void> {
    const { state, api } = this.deps;
    const s = this.statusOf(key);
    if (!s) return;
    const { status, anchor, pods, others } = s;
    // A member that was the anchor before (the older one was deleted) drops its stale copy.
    for (const o of others) {
      const meta = o.pod.metadata ?? {};
      if (!o.terminal && (meta.annotations?.[GANG_STATUS] !== undefined || meta.labels?.[GANG_PHASE_LABEL] !== undefined)) {
        await api.patchPod(o.namespace, o.name, o.uid, { [GANG_PHASE_LABEL]: null }, { [GANG_STATUS]: null });
      }
    }
    if (anchor && !anchor.terminal) {
      const text = formatGangStatus(status);
      const meta = anchor.pod.metadata ?? {};
      if (meta.annotations?.[GANG_STATUS] !== text || meta.labels?.[GANG_PHASE_LABEL] !== status.phase) {
        await api.patchPod(anchor.namespace, anchor.name, anchor.uid, { [GANG_PHASE_LABEL]: status.phase }, { [GANG_STATUS]: text });
      }
    }
    // The PodGroup, when the gang is named by one and the API serves it.
    const first = pods[0];
    const ctx = state.context();
    const m = first ? effectiveMembership(ctx, first) : null;
    if (m?.podGroup === undefined || !ctx.podGroups) return;
    const source = state.podGroupSource;
    const obj = source?.object(m.gang.namespace, m.podGroup);
    const info = ctx.podGroups.podGroup(m.gang.namespace, m.podGroup);
    if (!obj || !info) return;
    const plan = state.ledger.get(key);
    const want = podGroupStatus(pods, info.minMember, plan ? rfc3339(plan.plannedAt) : undefined, obj.status);
    if (!sameStatus(want, obj.status)) await api.patchPodGroupStatus(m.gang.namespace, m.podGroup, want);
  }
}

/**
 * Where a gang's status is shown: its driver, else its oldest live member
 * (by creation, then name), which stays the same while it lives.
 */
function anchorOf(facts: readonly PodFacts[]): PodFacts | undefined {
  const live = facts.filter((f) => !f.terminal);
  const driver = live.find((f) => f.membership?.role === 'driver');
  if (driver) return driver;
  return [...live].sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1))[0];
}

/** The StatusApi over the API server. */
export function apiStatusWriter(client: Pick<KubeClient, 'request'>): StatusApi {
  return {
    async patchPod(namespace, name, uid, labels, annotations) {
      await client.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
        patchType: 'merge',
        body: { metadata: { uid, labels, annotations } },
        // The answer is the whole pod, which nobody reads (thousands of anchors after a start).
        discardBody: true,
      });
    },
    async patchPodGroupStatus(namespace, name, status) {
      await client.request({
        method: 'PATCH',
        path: `/apis/${POD_GROUP_GROUP_VERSION}/namespaces/${encodeURIComponent(namespace)}/${POD_GROUP_RESOURCE}/${encodeURIComponent(name)}/status`,
        patchType: 'merge',
        body: { status },
        discardBody: true,
      });
    },
  };
}
