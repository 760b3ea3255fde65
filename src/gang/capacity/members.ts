// Gang membership, indexed as pods come and go: the pods of each gang, and
// drivers by uid and by spark-app-selector, so that quorum counts and
// executor look-ups are O(1). It is also the DriverLookup that tells an
// executor which gang its driver leads.
import { SPARK_APP_SELECTOR, SPARK_ROLE } from '../../contract/keys.js';
import type { DriverLookup, GangId, Membership } from '../identity.js';
import type { PodFacts } from './pods.js';

const NONE: readonly string[] = Object.freeze([]);

export class GangMembers implements DriverLookup {
  /** Non-terminal pods of each gang. */
  private readonly members = new Map<string, Set<string>>();
  /** Every pod of a gang not deleted yet, terminal ones included (gang status counts them). */
  private readonly allMembers = new Map<string, Set<string>>();
  private readonly driverByUid = new Map<string, GangId>();
  /** "namespace/selector" → gang: one string per driver, not per pod. */
  private readonly driverBySelector = new Map<string, GangId>();
  /** Executors seen before their driver (initial list order), keyed by selector and by owner uid. */
  private readonly orphans = new Map<string, Set<string>>();
  private readonly orphanKeys = new Map<string, string[]>();

  /** `pods`: where members' facts are read. */
  constructor(private readonly pods: { get(uid: string): PodFacts | undefined }) {}

  /**
   * Index a pod's new facts (remove() its old membership first). Returns the
   * executors that were waiting for this driver: their membership can be
   * found now, so the caller computes their facts again.
   */
  add(f: PodFacts): readonly string[] {
    const m = f.membership;
    const labels = f.pod.metadata?.labels;
    if (m && !f.terminal) addTo(this.members, m.gang.key, f.uid);
    if (m) addTo(this.allMembers, m.gang.key, f.uid);
    if (m?.role === 'driver') {
      this.driverByUid.set(f.uid, m.gang);
      const sel = labels?.[SPARK_APP_SELECTOR];
      if (sel) this.driverBySelector.set(`${f.namespace}/${sel}`, m.gang);
      let waiting: string[] | undefined;
      for (const key of [`uid:${f.uid}`, sel ? `sel:${f.namespace}/${sel}` : '']) {
        const set = this.orphans.get(key);
        if (!set) continue;
        this.orphans.delete(key);
        waiting ??= [];
        for (const uid of set) waiting.push(uid);
      }
      return waiting ?? NONE;
    }
    if (!m && labels?.[SPARK_ROLE] === 'executor') {
      const sel = labels[SPARK_APP_SELECTOR];
      const owner = (f.pod.metadata?.ownerReferences ?? []).find((o) => o.kind === 'Pod')?.uid;
      const keys = [sel ? `sel:${f.namespace}/${sel}` : '', owner ? `uid:${owner}` : ''].filter((k) => k !== '');
      for (const key of keys) addTo(this.orphans, key, f.uid);
      if (keys.length > 0) this.orphanKeys.set(f.uid, keys);
    }
    return NONE;
  }

  /** Take a pod out of its gang's member sets (its facts are being replaced or it is gone). */
  remove(uid: string, m: Membership): void {
    removeFrom(this.members, m.gang.key, uid);
    removeFrom(this.allMembers, m.gang.key, uid);
  }

  /** A pod was deleted: forget it as a driver and as a waiting executor. */
  deleted(uid: string): void {
    this.driverByUid.delete(uid);
    for (const key of this.orphanKeys.get(uid) ?? []) removeFrom(this.orphans, key, uid);
    this.orphanKeys.delete(uid);
  }

  /** Non-terminal pods of a gang. */
  gangMembers(key: string): PodFacts[] {
    return this.facts(this.members.get(key));
  }

  /** Every pod of a gang not deleted yet, terminal ones included. */
  gangPods(key: string): PodFacts[] {
    return this.facts(this.allMembers.get(key));
  }

  /** Keys of every gang some pod names. */
  gangKeys(): IterableIterator<string> {
    return this.allMembers.keys();
  }

  gangMemberCount(key: string): number {
    return this.members.get(key)?.size ?? 0;
  }

  gangOfDriverUid(uid: string): GangId | undefined {
    return this.driverByUid.get(uid);
  }

  gangOfSelector(namespace: string, selector: string): GangId | undefined {
    return this.driverBySelector.get(`${namespace}/${selector}`);
  }

  private facts(uids: Set<string> | undefined): PodFacts[] {
    const out: PodFacts[] = [];
    for (const uid of uids ?? []) {
      const f = this.pods.get(uid);
      if (f) out.push(f);
    }
    return out;
  }
}

function addTo(map: Map<string, Set<string>>, key: string, uid: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(uid);
}

function removeFrom(map: Map<string, Set<string>>, key: string, uid: string): void {
  const set = map.get(key);
  if (set?.delete(uid) && set.size === 0) map.delete(key);
}
