// NUMA zone accounting on nodes whose topology comes from a
// NodeResourceTopology (ADR 0004). With the annotation's topology a zone's
// usage is what Gangplank placed there (./usage.ts). With an NRT it is the
// exporter's `available`, which lags: a pod counts from its bind, the
// exporter sees it only once the kubelet has admitted it, and reports it at
// its next update. So every pod bound (or assumed) on such a node is
// "pending" and charged against the zones until the exporter's data is known
// to include it: when the NRT's pod-set fingerprint equals the fingerprint
// of the pods we see running there (scheduler-plugins' overreserve cache
// resyncs on the same test), or, from an exporter that publishes no
// fingerprint, when an update arrives `settleMs` after we saw the pod
// running. A pending pod charges its exclusive resources to the zones it
// may be in (chargeOf): up to its recorded zone where the kubelet aligns
// it, else every zone (scheduler-plugins' overreserve does the latter).
import type { V1Pod } from '@kubernetes/client-node';
import { fingerprintOf, isComparableFingerprint, podHash } from '../../numa/fingerprint.js';
import { isNativeResource, podAlignment } from '../../numa/kubelet.js';
import { nodeTopology, type NodeResourceTopology, type NodeTopology } from '../../numa/topology.js';
import type { Assumed } from './assumed.js';
import type { NodeTable, ZoneCharge } from './nodes.js';
import type { PodFacts } from './pods.js';
import { zoneParts } from './sums.js';

/** How the NRT accounting of a node last changed, for logs and tests. */
export interface TopologySync {
  readonly node: string;
  /** match: the fingerprint matched, pods taken as included; settled: the no-fingerprint rule included some; none: still pending. */
  readonly outcome: 'match' | 'mismatch' | 'settled' | 'no_fingerprint' | 'incomparable';
  /** Pods counted against the zones after the change. */
  readonly pending: number;
  /** Pods the change found included. */
  readonly included: number;
}

export interface TopologyOptions {
  /** For the no-fingerprint rule: when a pod was first seen running, and when an NRT update arrived. */
  readonly clock?: () => number;
  /**
   * An exporter without a fingerprint is taken to include a pod in an update
   * that arrives this long after we saw the pod running (its data was read
   * after the kubelet admitted the pod; ADR 0004).
   */
  readonly settleMs?: number;
}

/** What the accounting reads and charges of the other parts. */
export interface TopologyParts {
  readonly nodes: Pick<NodeTable, 'get' | 'refresh' | 'chargeNrtZones'>;
  readonly pods: { get(uid: string): PodFacts | undefined };
  readonly assumed: { entries(): Iterable<[string, Assumed]> };
}

export class NrtAccounting {
  private readonly nrts = new Map<string, NodeResourceTopology>();
  /** Pods whose spec.nodeName is the node (any phase), for fingerprints. */
  private readonly podsOn = new Map<string, Set<string>>();
  /** NRT nodes only: pods charged against the zones until the exporter includes them. */
  private readonly pending = new Map<string, Map<string, ZoneCharge>>();
  /** NRT nodes only: pods known to be in the exporter's data (uid → node). */
  private readonly included = new Map<string, string>();
  private readonly runningSince = new Map<string, number>();
  private readonly hashes = new Map<string, bigint>();
  private readonly clock: () => number;
  private readonly settleMs: number;
  /** The last accounting change (for the runtime's log and tests). */
  lastSync: TopologySync | undefined;

  constructor(
    private readonly parts: TopologyParts,
    opts: TopologyOptions = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    this.settleMs = opts.settleMs ?? 10_000;
  }

  // ---- NRT objects ----

  upsert(nrt: NodeResourceTopology): void {
    const name = nrt.metadata?.name;
    if (!name) return;
    const first = !this.nrts.has(name);
    this.nrts.set(name, nrt);
    this.parts.nodes.refresh(name);
    if (first) this.chargeAll(name);
    this.lastSync = this.resync(name, true);
  }

  delete(name: string): void {
    if (!this.nrts.delete(name)) return;
    this.dropCharges(name);
    this.parts.nodes.refresh(name);
  }

  /** Forget every NRT (the API stopped serving them): nodes fall back to their annotation. */
  clear(): void {
    for (const name of [...this.nrts.keys()]) this.delete(name);
  }

  nrt(node: string): NodeResourceTopology | undefined {
    return this.nrts.get(node);
  }

  /** Nodes whose topology comes from an NRT object now. */
  nodes(): string[] {
    return [...this.nrts.keys()];
  }

  /** Pods counted against a node's NRT zones (uids), for tests and messages. */
  pendingOn(node: string): string[] {
    return [...(this.pending.get(node)?.keys() ?? [])];
  }

  /** The charges of a node's pending pods, for its records computed from scratch. */
  charges(node: string): Iterable<ZoneCharge> {
    return this.pending.get(node)?.values() ?? [];
  }

  // ---- pod events ----

  /** Keep the per-node pod sets, running times and charges in step with a pod's new facts (`before`: its node until now). */
  podChanged(f: PodFacts, before: string | undefined): void {
    if (before && before !== f.node) {
      this.leave(before, f.uid);
      this.setPending(before, f.uid, undefined);
      this.included.delete(f.uid);
    }
    if (!f.node) return;
    let on = this.podsOn.get(f.node);
    if (!on) this.podsOn.set(f.node, (on = new Set()));
    on.add(f.uid);
    if (f.pod.status?.phase === 'Running' && !this.runningSince.has(f.uid)) this.runningSince.set(f.uid, this.clock());
    if (this.nrts.has(f.node)) {
      if (f.terminal) this.setPending(f.node, f.uid, undefined);
      else if (!this.included.has(f.uid)) this.setPending(f.node, f.uid, this.chargeOf(f.node, f));
      this.recheck(f.node);
    }
  }

  /** A pod was deleted (`node`: where it was bound). */
  podDeleted(uid: string, node: string | undefined): void {
    if (node) {
      this.leave(node, uid);
      this.setPending(node, uid, undefined);
    }
    this.included.delete(uid);
    this.runningSince.delete(uid);
    this.hashes.delete(uid);
    this.recheck(node);
  }

  /** A pod was assumed on `node`: it is pending there like a bound one. */
  assumed(uid: string, node: string, zone: string | undefined, pod: V1Pod | undefined): void {
    if (this.nrts.has(node) && !this.included.has(uid)) this.setPending(node, uid, this.chargeOf(node, { zone, pod }));
  }

  /** A pod's assumption on `node` ended: it stays charged if the cache shows it bound there (podChanged replaced the charge). */
  forgotten(uid: string, node: string): void {
    const f = this.parts.pods.get(uid);
    if (!(f?.node === node && !f.terminal)) this.setPending(node, uid, undefined);
  }

  private leave(node: string, uid: string): void {
    const on = this.podsOn.get(node);
    if (on?.delete(uid) && on.size === 0) this.podsOn.delete(node);
  }

  // ---- charges ----

  /** The topology an NRT object gives a node, if it is usable. */
  private nrtTopology(node: string): NodeTopology | undefined {
    const n = this.parts.nodes.get(node);
    const t = n?.topology;
    if (n && this.nrts.has(node)) return t?.ok && t.topology.source === 'nrt' ? t.topology : undefined;
    const nrt = this.nrts.get(node);
    if (!nrt) return undefined;
    const r = nodeTopology(n?.node ?? {}, nrt);
    return r.ok ? r.topology : undefined;
  }

  /**
   * What a bound (or assumed) pod takes from an NRT node's zones until the
   * exporter includes it: its exclusive resources (the only ones `available`
   * counts; ../../numa/kubelet.ts alignedResources). Where the node's kubelet
   * aligns it, the kubelet put it in the lowest zone that fits; we recorded
   * the zone we predicted, and since our view never has more free than the
   * node has, the kubelet's zone is that one or a lower one: so the pod is
   * charged to every zone up to the recorded one. Elsewhere (policy none, or
   * no recorded zone) it may be in any zone, and is charged to all of them.
   */
  private chargeOf(node: string, f: { zone?: string; pod?: V1Pod }): ZoneCharge {
    const r = f.pod ? podAlignment(f.pod).pod : {};
    const t = this.nrtTopology(node);
    if (f.zone && t?.kubelet && t.kubelet.policy !== 'none') {
      const parts = zoneParts(f.zone);
      let top = -1;
      for (const z of t.zones) if (parts.includes(z.name)) top = Math.max(top, z.id);
      if (top >= 0) return { zones: t.zones.filter((z) => z.id <= top).map((z) => z.name), r };
    }
    return { zones: null, r };
  }

  private setPending(node: string, uid: string, c: ZoneCharge | undefined): void {
    let m = this.pending.get(node);
    const old = m?.get(uid);
    if (old) {
      this.parts.nodes.chargeNrtZones(node, old, -1);
      m?.delete(uid);
    }
    if (!c || Object.keys(c.r).length === 0) {
      if (m && m.size === 0) this.pending.delete(node);
      return;
    }
    if (!m) this.pending.set(node, (m = new Map()));
    m.set(uid, c);
    this.parts.nodes.chargeNrtZones(node, c, 1);
  }

  /** A node's NRT appeared: every pod there is pending until the exporter is known to include it. */
  private chargeAll(node: string): void {
    for (const uid of this.podsOn.get(node) ?? []) {
      const f = this.parts.pods.get(uid);
      if (f && f.node === node && !f.terminal && !this.included.has(uid)) this.setPending(node, uid, this.chargeOf(node, f));
    }
    for (const [uid, a] of this.parts.assumed.entries()) if (a.node === node && !this.included.has(uid)) this.setPending(node, uid, this.chargeOf(node, a));
  }

  // The node's records are recomputed from scratch next (refresh), so the charges need no giving back.
  private dropCharges(node: string): void {
    this.pending.delete(node);
    for (const [uid, n] of this.included) if (n === node) this.included.delete(uid);
  }

  // ---- resync: which pods the exporter's data includes ----

  private hashOf(f: PodFacts): bigint {
    let h = this.hashes.get(f.uid);
    if (h === undefined) this.hashes.set(f.uid, (h = podHash(f.namespace, f.name)));
    return h;
  }

  /**
   * The pods the exporter's fingerprint should cover, as scheduler-plugins
   * builds its view: pods bound to the node and running (podprovider
   * IsPodRelevantShared); method with-exclusive-resources keeps those holding
   * exclusive resources (resourcerequests.AreExclusiveForPod).
   */
  private view(node: string, t: NodeTopology): PodFacts[] {
    const out: PodFacts[] = [];
    const method = t.fingerprint?.method ?? 'all';
    for (const uid of this.podsOn.get(node) ?? []) {
      const f = this.parts.pods.get(uid);
      if (!f || f.node !== node || f.pod.status?.phase !== 'Running') continue;
      if (method === 'with-exclusive-resources') {
        const ex = podAlignment(f.pod).pod;
        if (!Object.keys(ex).some((r) => isNativeResource(r) || t.reported?.has(r))) continue;
      }
      out.push(f);
    }
    return out;
  }

  /**
   * Take pods as included in the node's NRT data where that is known, and
   * stop charging them. `update`: an NRT update just arrived (the
   * no-fingerprint rule only looks at arrivals).
   */
  private resync(node: string, update: boolean): TopologySync {
    const pending = this.pending.get(node);
    const t = this.nrtTopology(node);
    const fp = t?.fingerprint;
    const done = (outcome: TopologySync['outcome'], included: number): TopologySync => ({ node, outcome, included, pending: this.pending.get(node)?.size ?? 0 });
    if (!t) return done('no_fingerprint', 0);
    if (!fp) {
      if (!update || !pending) return done('no_fingerprint', 0);
      const cutoff = this.clock() - this.settleMs;
      let n = 0;
      for (const uid of [...pending.keys()]) {
        const since = this.runningSince.get(uid);
        if (since === undefined || since > cutoff) continue;
        this.include(node, uid);
        n++;
      }
      return done(n > 0 ? 'settled' : 'no_fingerprint', n);
    }
    if (!isComparableFingerprint(fp.value)) return done('incomparable', 0);
    const view = this.view(node, t);
    if (fingerprintOf(view.map((f) => this.hashOf(f))) !== fp.value) return done('mismatch', 0);
    let n = 0;
    for (const f of view) {
      if (this.pending.get(node)?.has(f.uid)) n++;
      this.include(node, f.uid);
    }
    return done('match', n);
  }

  private include(node: string, uid: string): void {
    this.included.set(uid, node);
    this.setPending(node, uid, undefined);
  }

  /** After a pod change on an NRT node: resync when something there is still pending. */
  private recheck(node: string | undefined): void {
    if (!node || !this.nrts.has(node) || !this.pending.has(node)) return;
    const s = this.resync(node, false);
    if (s.outcome === 'match' && s.included > 0) this.lastSync = s;
  }
}
