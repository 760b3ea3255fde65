// What the extender verbs work over: the informer caches (read-only), the
// capacity index and the ledger they feed, the clock, the config, and a
// Binder the API adapter implements. The lead's runtime builds one
// ExtenderState, feeds it informer events (onPod/onNode/onTopology), calls
// restore() once the pod cache has synced, and tick() on a timer.
import type { V1ConfigMap, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ExtenderConfig } from '../config/index.js';
import { gangTimeoutMs, WaitQueue, type GangContext, type SparkConfState, type Verdict } from '../gang/admit.js';
import { CapacityIndex, type TopologySync } from '../gang/capacity.js';
import { creationMs, gangId, type GangId } from '../gang/identity.js';
import type { UnplacedGang } from '../gang/report.js';
import { trustRecord } from '../gang/trust.js';
import { gangRecordCodec, type GangRecord } from '../contract/gang-record.js';
import { GANG_ANNOTATION, GANG_RECORD, SLOT_ANNOTATION, SPARK_CONF_MAP_SUFFIX, SPARK_PROPERTIES } from '../contract/keys.js';
import { Ledger, type Released } from '../gang/ledger.js';
import type { ObjectCache, SyncedCache } from '../k8s/cache.js';
import { GANG_STATES, setReservationsHeld, type GangStateLabel, type Metrics } from '../metrics/index.js';
import type { NodeResourceTopology } from '../numa/topology.js';
import type { PodGroupSource } from './podgroups.js';
import type { NativeGroupSource } from './native-groups.js';
import { SpeculativePlacements } from '../gang/native.js';

/** The API side of /bind, implemented by the runtime against the API server. */
export interface Binder {
  /**
   * Patch the gang's plan (annotation gangplank.io/gang-record) onto record.anchor: only when a
   * member other than the anchor binds first, before that member's Binding.
   */
  persistPlan(record: GangRecord): Promise<void>;
  /**
   * Create the pod's Binding to `node` carrying `annotations` (the anchor's plan among them when it
   * binds first): the API server sets them on the pod in the same update as spec.nodeName.
   */
  bind(namespace: string, name: string, uid: string, node: string, annotations: Record<string, string>): Promise<void>;
}

/** Something a user should hear about, for Events on the pod (the runtime rate-limits). */
export interface GangEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: 'GangWaiting' | 'GangDoesNotFit' | 'GangReserved' | 'GangReleased' | 'GangTimedOut' | 'GangRecordIgnored' | 'NumaPolicyUnknown';
  readonly gang: GangId;
  /** The pod the Event is about. */
  readonly namespace: string;
  readonly name: string;
  /**
   * The pod's uid: `kubectl describe pod` lists only Events whose
   * involvedObject.uid matches the pod (it selects them by uid), so an Event
   * without it shows up in `kubectl get events` alone.
   */
  readonly uid: string;
  /** The pod's resourceVersion when the Event was decided, when known. */
  readonly resourceVersion?: string;
  readonly message: string;
}

/** A gang the filter turned away that holds nothing in the ledger (for gangplank_gangs). */
interface Unplaced {
  state: Extract<GangStateLabel, 'waiting' | 'does_not_fit'>;
  /** The member last filtered: the entry goes when that pod does. */
  uid: string;
  /** Creation of the oldest member seen, the start of the gang's wait. */
  since: number;
  timeoutMs: number;
  seenAt: number;
  /** The gang, the pod and the verdict's message, for /debug/gangs. */
  gang: GangId;
  pod: string;
  message: string;
}

/**
 * How long a turned-away gang counts without being filtered again. The
 * scheduler retries an unschedulable pod at least every 5 minutes
 * (podMaxInUnschedulablePodsDuration), so a gang still pending is seen again
 * well within this; one not seen has left by a path we did not observe.
 */
const UNPLACED_FORGET_MS = 10 * 60_000;

export interface ExtenderStateDeps {
  readonly config: ExtenderConfig;
  readonly nodes: SyncedCache<V1Node>;
  readonly pods: SyncedCache<V1Pod>;
  /** NodeResourceTopology objects, when the CRD exists (else attached later: attachTopologies). */
  readonly topologies?: SyncedCache<NodeResourceTopology>;
  /** ConfigMaps, to read a driver's spark.properties. */
  readonly configMaps?: ObjectCache<V1ConfigMap>;
  readonly binder: Binder;
  readonly metrics: Metrics;
  readonly clock?: () => number;
  readonly notify?: (e: GangEvent) => void;
  /**
   * Wake a pod the scheduler parked (the runtime touches it: Requeuer). Used
   * for a driver that waited for its spark.properties ConfigMap: no cluster
   * event the scheduler watches says that the ConfigMap arrived.
   */
  readonly wake?: (pod: ParkedPod) => void;
  /** scheduler-plugins PodGroups (attached by discovery while the API serves them). */
  readonly podGroups?: PodGroupSource;
  /** A gang's members, plan or PodGroup changed: its status may need writing (GangStatusWriter.mark). */
  readonly onGangChange?: (key: string) => void;
  /** Native PodGroups (scheduling.k8s.io/v1beta1; attached by discovery while served). */
  readonly nativeGroups?: NativeGroupSource;
}

/** A pod to wake, by name and uid. */
export interface ParkedPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

const TICK_EVERY_MS = 250;

/** Pods kept from filter calls for /bind (rememberFiltered). */
const FILTERED_KEPT = 4096;

/** True when some zone resource has more free room in `after` than in `before`. */
function grew(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): boolean {
  for (const [k, v] of after) if (v > (before.get(k) ?? -Infinity)) return true;
  return false;
}

export class ExtenderState {
  readonly config: ExtenderConfig;
  readonly nodes: SyncedCache<V1Node>;
  readonly pods: SyncedCache<V1Pod>;
  private topologyCache?: SyncedCache<NodeResourceTopology>;
  readonly configMaps?: ObjectCache<V1ConfigMap>;
  readonly binder: Binder;
  readonly metrics: Metrics;
  readonly clock: () => number;
  readonly notify: (e: GangEvent) => void;
  readonly index: CapacityIndex;
  readonly ledger: Ledger;
  readonly queue = new WaitQueue();
  /** Plan writes in flight, by gang key: concurrent binds of one gang share one (verbs/bind.ts). */
  readonly persisting = new Map<string, Promise<void>>();
  /** Untrusted records already reported (pod and resourceVersion), so each gets one Event. */
  private readonly ignoredRecords = new Set<string>();
  private readonly unplaced = new Map<string, Unplaced>();
  private readonly filtered = new Map<string, V1Pod>();
  private readonly wake: (pod: ParkedPod) => void;
  /** scheduler-plugins PodGroups; consulted only while served. */
  readonly podGroupSource?: PodGroupSource;
  /** Native PodGroups; consulted only while served. */
  readonly nativeGroupSource?: NativeGroupSource;
  /** Where filter pinned native PodGroup members, until a bind commits their group (src/gang/native.ts). */
  readonly speculative: SpeculativePlacements;
  private readonly gangChanged: (key: string) => void;
  /** Drivers told to wait for their spark.properties, by uid, until their wait ends. */
  private readonly awaitingConf = new Map<string, ParkedPod & { readonly driver: V1Pod; readonly until: number }>();
  private lastTick = -Infinity;

  constructor(deps: ExtenderStateDeps) {
    this.config = deps.config;
    this.nodes = deps.nodes;
    this.pods = deps.pods;
    this.topologyCache = deps.topologies;
    this.configMaps = deps.configMaps;
    this.binder = deps.binder;
    this.metrics = deps.metrics;
    this.clock = deps.clock ?? Date.now;
    this.notify = deps.notify ?? (() => {});
    this.wake = deps.wake ?? (() => {});
    this.podGroupSource = deps.podGroups;
    this.nativeGroupSource = deps.nativeGroups;
    this.speculative = new SpeculativePlacements(deps.config.assumeTtlSeconds * 1000);
    this.gangChanged = deps.onGangChange ?? (() => {});
    this.index = new CapacityIndex({ clock: this.clock, settleMs: (this.config.nrtSettleSeconds ?? 10) * 1000 });
    this.ledger = new Ledger({ assumeTtlMs: this.config.assumeTtlSeconds * 1000 });
    // Every state reads 0 from the start, so dashboards and alerts see series, not gaps.
    this.refreshGauges();
  }

  /** Load every object the caches hold now (after sync, or for tests built on StaticCache). */
  loadCaches(): void {
    for (const n of this.nodes.list()) this.index.upsertNode(n);
    for (const t of this.topologies?.list() ?? []) this.index.upsertTopology(t);
    // Drivers first, so executors without gang labels find their gang.
    const pods = [...this.pods.list()].sort((a, b) => Number(b.metadata?.labels?.['spark-role'] === 'driver') - Number(a.metadata?.labels?.['spark-role'] === 'driver'));
    for (const p of pods) this.index.upsertPod(p);
  }

  // ---- informer events ----

  onNode(type: 'add' | 'update' | 'delete', node: V1Node): void {
    if (type === 'delete') this.index.deleteNode(node.metadata?.name ?? '');
    else this.index.upsertNode(node);
  }

  /**
   * A pod as the scheduler last sent it to filter, for /bind when the pod
   * informer has not delivered it yet (the scheduler often sees a new pod
   * before our watch does): the bind must still record its zone and count it.
   */
  rememberFiltered(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.filtered.delete(uid);
    this.filtered.set(uid, pod);
    // Oldest first out; the scheduler binds within seconds of filtering.
    if (this.filtered.size > FILTERED_KEPT) this.filtered.delete(this.filtered.keys().next().value as string);
  }

  filteredPod(uid: string): V1Pod | undefined {
    return this.filtered.get(uid);
  }

  /** The NodeResourceTopology cache, while the API serves them. */
  get topologies(): SyncedCache<NodeResourceTopology> | undefined {
    return this.topologyCache;
  }

  /** The API serves NodeResourceTopology now: read topology from `cache` (fed through onTopology). */
  attachTopologies(cache: SyncedCache<NodeResourceTopology>): void {
    this.topologyCache = cache;
  }

  /**
   * The API stopped serving NodeResourceTopology: every node falls back to its
   * annotation. Returns the nodes that had an NRT object.
   */
  detachTopologies(): string[] {
    this.topologyCache = undefined;
    const nodes = this.index.topologyNodes();
    this.index.clearTopologies();
    return nodes;
  }

  onTopology(type: 'add' | 'update' | 'delete', nrt: NodeResourceTopology): void {
    const name = nrt.metadata?.name ?? '';
    const before = this.zoneFree(name);
    const profile = this.profileOf(name);
    if (type === 'delete') this.index.deleteTopology(name);
    else this.index.upsertTopology(nrt);
    const s = this.index.lastSync;
    this.index.lastSync = undefined;
    if (type !== 'delete' && s) this.metrics.topologySyncs.inc({ outcome: s.outcome });
    // More room, or other zones or another kubelet policy, can let a parked pod fit.
    if ((s && s.included > 0) || grew(before, this.zoneFree(name)) || profile !== this.profileOf(name)) {
      this.topologySynced(s ?? { node: name, outcome: 'no_fingerprint', pending: 0, included: 0 });
    }
  }

  private profileOf(node: string): string | undefined {
    const t = this.index.node(node)?.topology;
    return t?.ok ? t.topology.profile : undefined;
  }

  /** Free room per zone and resource of a node, to tell whether an update made room. */
  private zoneFree(node: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const z of this.index.node(node)?.zones ?? []) for (const r in z.free) out.set(`${z.name}\u0000${r}`, z.free[r] as number);
    return out;
  }

  /**
   * NUMA room may have grown on a node: its exporter's data now includes
   * pods we were counting, or it reports more free. The runtime wakes parked
   * pods (WakingState).
   */
  topologySynced(s: TopologySync): void {
    void s;
  }

  onPod(type: 'add' | 'update' | 'delete', pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const gangBefore = this.index.pod(uid)?.membership?.gang.key;
    if (type === 'delete') this.index.deletePod(pod);
    else this.index.upsertPod(pod);
    const gangAfter = this.index.pod(uid)?.membership?.gang.key;
    if (gangBefore !== undefined) this.gangChanged(gangBefore);
    if (gangAfter !== undefined && gangAfter !== gangBefore) this.gangChanged(gangAfter);
    if (type === 'delete' || pod.spec?.nodeName) this.filtered.delete(uid);
    // A pod now running (or gone) may complete the pod set an exporter's fingerprint named.
    const s = this.index.lastSync;
    if (s) {
      this.index.lastSync = undefined;
      this.metrics.topologySyncs.inc({ outcome: s.outcome });
      this.topologySynced(s);
    }
    if (type === 'delete') {
      this.released(this.ledger.podGone(uid, false));
      return;
    }
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') {
      this.released(this.ledger.podGone(uid, pod.status.phase === 'Failed'));
      return;
    }
    // Every replica follows what the active one writes (docs/adr/0006-extender-replicas.md): a
    // gang's plan as it appears on its anchor, members as they are bound.
    if (pod.metadata?.annotations?.[GANG_RECORD] !== undefined) this.followRecord(pod);
    if (pod.spec?.nodeName) this.followBound(pod);
  }

  /** Take in a gang record another replica wrote, when it is trusted and new to this ledger. */
  private followRecord(pod: V1Pod): void {
    const rec = this.trustedRecord(pod);
    if (!rec || this.ledger.get(gangId(rec.namespace, rec.name).key)) return;
    this.ledger.restore([rec], this.membersOf(rec, pod), this.clock());
    this.refreshGauges();
  }

  /** A member bound by another replica consumes its slot here too (its bind annotations name it). */
  private followBound(pod: V1Pod): void {
    const ann = pod.metadata?.annotations ?? {};
    const key = ann[GANG_ANNOTATION];
    const slot = ann[SLOT_ANNOTATION];
    const uid = pod.metadata?.uid;
    if (!key || !slot || !uid || this.ledger.slotOf(uid)?.slot.consumedBy === uid) return;
    const gang = this.ledger.get(key);
    const s = gang?.slots.find((x) => x.id === slot && !x.consumedBy && x.node === pod.spec?.nodeName);
    if (!gang || !s) return;
    this.released(this.ledger.consume(key, s.id, uid));
    this.refreshGauges();
  }

  /** The anchor and the pods bound into a record's gang, for restoring one record. */
  private membersOf(rec: GangRecord, anchor: V1Pod): V1Pod[] {
    const key = gangId(rec.namespace, rec.name).key;
    return [anchor, ...this.pods.list(rec.namespace).filter((p) => p !== anchor && p.metadata?.annotations?.[GANG_ANNOTATION] === key)];
  }

  /**
   * The pod's gang record when it may be believed (src/gang/trust.ts); an
   * unreadable or untrusted one is ignored with a Warning Event on the pod.
   */
  private trustedRecord(pod: V1Pod): GangRecord | undefined {
    const raw = pod.metadata?.annotations?.[GANG_RECORD];
    if (raw === undefined) return undefined;
    const rec = gangRecordCodec.parse(raw);
    const limits = { maxTimeoutSeconds: this.config.maxGangTimeoutSeconds, maxSlots: this.config.maxExecutors + 1 };
    const trust = rec instanceof Error ? { ok: false as const, reason: rec.message } : trustRecord(rec, pod, limits, this.index);
    if (trust.ok) return rec as GangRecord;
    const meta = pod.metadata ?? {};
    const key = `${meta.namespace}/${meta.name}/${meta.resourceVersion ?? ''}`;
    if (!this.ignoredRecords.has(key)) {
      this.ignoredRecords.add(key);
      if (this.ignoredRecords.size > 10_000) this.ignoredRecords.clear();
      this.notify({
        type: 'Warning',
        reason: 'GangRecordIgnored',
        gang: gangId(meta.namespace ?? 'default', rec instanceof Error ? (meta.name ?? '') : rec.name),
        namespace: meta.namespace ?? 'default',
        name: meta.name ?? '',
        uid: meta.uid ?? '',
        ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
        message: `gangplank.io/gang-record ignored: ${trust.reason}; it holds no room`,
      });
    }
    return undefined;
  }

  /**
   * Rebuild the ledger from persisted records (the annotation gangplank.io/gang-record
   * on anchor pods) and the current pods. Returns what was restored and records
   * that could not be read.
   */
  restore(pods: readonly V1Pod[] = this.pods.list()): { restored: string[]; errors: string[] } {
    const records: GangRecord[] = [];
    const errors: string[] = [];
    for (const p of pods) {
      if (p.metadata?.annotations?.[GANG_RECORD] === undefined) continue;
      const r = this.trustedRecord(p);
      if (!r) errors.push(`${p.metadata?.namespace}/${p.metadata?.name}: gang record ignored (see its GangRecordIgnored Event)`);
      // A gang already followed from the watch is not planned twice.
      else if (!this.ledger.get(gangId(r.namespace, r.name).key)) records.push(r);
    }
    const restored = this.ledger.restore(records, pods, this.clock()).map((g) => g.id.key);
    this.refreshGauges();
    return { restored, errors };
  }

  /** Expire assumptions, tentative assignments and reservations past their time. */
  tick(force = false): Released[] {
    const now = this.clock();
    if (!force && now - this.lastTick < TICK_EVERY_MS) return [];
    this.lastTick = now;
    this.index.expire(now);
    const out = this.ledger.expire(now);
    for (const r of out) this.released(r);
    this.forgetUnplaced(now);
    this.checkAwaitingConf(now);
    // Also without a release: "waiting past its time-out" changes as time passes.
    this.refreshGauges();
    return out;
  }

  /**
   * Remember what the filter answered a gang member, for gangplank_gangs:
   * Wait and DoesNotFit mark a gang that holds nothing as waiting or
   * does_not_fit; once the gang is in the ledger it counts by its ledger state.
   */
  noteVerdict(pod: V1Pod, verdict: Verdict): void {
    if (verdict.kind === 'NotInGang') return;
    const key = verdict.gang.key;
    const prev = this.unplaced.get(key);
    if (verdict.kind === 'Ready' || this.ledger.get(key)) {
      if (prev && this.unplaced.delete(key)) this.refreshGauges();
      return;
    }
    const now = this.clock();
    const created = creationMs(pod);
    const state = verdict.kind === 'Wait' ? 'waiting' : 'does_not_fit';
    this.unplaced.set(key, {
      state,
      uid: pod.metadata?.uid ?? '',
      // A pod without a creation time (only in hand-made objects) starts its wait now.
      since: Math.min(prev?.since ?? Infinity, created > 0 ? created : now),
      timeoutMs: gangTimeoutMs(this.config, pod),
      seenAt: now,
      gang: verdict.gang,
      pod: pod.metadata?.name ?? '',
      message: verdict.message,
    });
    if (prev?.state !== state) this.refreshGauges();
  }

  /** Turned-away gangs that hold nothing in the ledger, for /debug/gangs (src/gang/report.ts). */
  unplacedGangs(): UnplacedGang[] {
    return [...this.unplaced.values()].map((u) => ({
      key: u.gang.key,
      namespace: u.gang.namespace,
      name: u.gang.name,
      state: u.state,
      pod: u.pod,
      since: u.since,
      timeoutMs: u.timeoutMs,
      message: u.message,
    }));
  }

  /** Drop turned-away gangs whose member is gone or bound, or that the scheduler stopped asking about. */
  private forgetUnplaced(now: number): void {
    for (const [key, u] of this.unplaced) {
      const facts = this.index.pod(u.uid);
      if (!facts || facts.node || facts.terminal || now - u.seenAt > UNPLACED_FORGET_MS) this.unplaced.delete(key);
    }
  }

  /** Why decisions must not be made now (unsynced or stale caches), or null. */
  cacheProblem(): string | null {
    const unsynced = [this.nodes, this.pods].filter((c) => !c.synced()).map((c) => c.resource);
    if (unsynced.length > 0) return `extender caches not synced yet (${unsynced.join(', ')}); failing closed`;
    const now = this.clock();
    const limit = this.config.cacheStaleSeconds * 1000;
    const stale = [this.nodes, this.pods].filter((c) => now - c.lastHeardAt() > limit).map((c) => `${c.resource} ${Math.round((now - c.lastHeardAt()) / 1000)}s`);
    if (stale.length > 0) return `extender caches are stale (${stale.join(', ')} since last heard; limit ${this.config.cacheStaleSeconds}s); failing closed`;
    return null;
  }

  /** The planning context for one call. */
  context(): GangContext {
    const t = this.topologies;
    let staleTopology: string | undefined;
    if (t) {
      const age = this.clock() - t.lastHeardAt();
      if (!t.synced()) staleTopology = 'NodeResourceTopology cache not synced';
      else if (age > this.config.cacheStaleSeconds * 1000) staleTopology = `NodeResourceTopology data is stale (${Math.round(age / 1000)}s old)`;
    }
    return {
      index: this.index,
      ledger: this.ledger,
      config: this.config,
      now: this.clock(),
      queue: this.queue,
      sparkConf: this.configMaps ? (p) => this.sparkConf(p) : undefined,
      staleTopology,
      podGroups: this.podGroupSource?.served() ? this.podGroupSource : undefined,
      nativeGroups: this.nativeGroupSource?.served() ? this.nativeGroupSource : undefined,
      speculative: this.speculative,
    };
  }

  private sparkConf(driver: V1Pod): SparkConfState {
    const ns = driver.metadata?.namespace ?? 'default';
    // Spark mounts its ConfigMap "<prefix>-conf-map" (spark-drv-…-conf-map) at /opt/spark/conf.
    const names = (driver.spec?.volumes ?? []).map((v) => v.configMap?.name).filter((n): n is string => !!n && n.endsWith(SPARK_CONF_MAP_SUFFIX));
    if (names.length === 0) return { state: 'none' };
    for (const name of names) {
      const cm = this.configMaps?.get(name, ns);
      const text = cm?.data?.[SPARK_PROPERTIES];
      if (text !== undefined) return { state: 'found', text };
    }
    const uid = driver.metadata?.uid ?? '';
    const until = creationMs(driver) + this.config.sparkConfigWaitSeconds * 1000;
    // Only within the wait: a driver past it is decided without spark.properties, and must not be woken again and again.
    if (uid && until > this.clock() && !this.awaitingConf.has(uid)) this.awaitingConf.set(uid, { namespace: ns, name: driver.metadata?.name ?? '', uid, driver, until });
    return { state: 'pending' };
  }

  /**
   * Look again for the spark.properties of drivers that were told to wait
   * (each look fetches the ConfigMap: LazyConfigMapCache), and wake a driver
   * once it is there or its wait is over, so that the scheduler retries it
   * now rather than at its next periodic flush (up to 5 minutes).
   */
  private checkAwaitingConf(now: number): void {
    for (const [uid, w] of this.awaitingConf) {
      const gone = !this.index.pod(uid) || !!this.index.pod(uid)?.node;
      const state = gone ? 'none' : this.sparkConf(w.driver).state;
      if (gone || state !== 'pending' || now >= w.until) {
        this.awaitingConf.delete(uid);
        if (!gone) this.wake({ namespace: w.namespace, name: w.name, uid: w.uid });
      }
    }
  }

  /** Count a release in the metrics and tell the user. */
  released(r: Released | undefined): void {
    if (r) this.gangChanged(r.gang.key);
    if (!r || (r.slots === 0 && r.reason !== 'filled')) return;
    this.metrics.reservationsReleased.inc({ reason: r.reason });
    if (r.reason === 'filled') {
      // Counted here, whichever path consumed the last slot: the bind verb, or
      // the informer seeing the Binding before the verb's own answer came back.
      const gang = this.ledger.get(r.gang.key);
      if (gang) this.metrics.gangTimeToBound.observe(Math.max(0, this.clock() - gang.createdAt) / 1000);
    }
    if (r.partlyPlaced) this.metrics.gangsPartlyPlaced.inc();
    if (r.reason === 'timeout' && r.slots > 0) {
      const anchor = this.ledgerAnchor(r.gang);
      if (anchor) {
        this.notify({
          type: 'Warning',
          reason: 'GangTimedOut',
          gang: r.gang,
          namespace: r.gang.namespace,
          name: anchor.name,
          uid: anchor.uid,
          resourceVersion: anchor.pod.metadata?.resourceVersion,
          message: `gang ${r.gang.key}: ${r.slots} unfilled reservations released after the time-out`,
        });
      }
    }
    this.refreshGauges();
  }

  private ledgerAnchor(g: GangId) {
    // The gang is gone from the ledger; its pods are still in the index.
    const members = this.index.gangMembers(g.key);
    return members.find((m) => m.membership?.role === 'driver') ?? members[0];
  }

  refreshGauges(): void {
    const counts = Object.fromEntries(GANG_STATES.map((s) => [s, 0])) as Record<GangStateLabel, number>;
    for (const g of this.ledger.gangs()) counts[g.state]++;
    const now = this.clock();
    let pastTimeout = 0;
    for (const [key, u] of this.unplaced) {
      // A gang planned since its last Wait counts once, by its ledger state.
      if (this.ledger.get(key)) continue;
      counts[u.state]++;
      if (now - u.since > u.timeoutMs) pastTimeout++;
    }
    for (const s of GANG_STATES) this.metrics.gangs.set({ state: s }, counts[s]);
    this.metrics.gangsPastTimeout.set(pastTimeout);
    setReservationsHeld(this.metrics, this.ledger.reservedTotal());
  }
}
