// `kubectl gangplank what-if -f APP.yaml`: would these pods be placed now,
// and where? The app's pods go through the webhook's pure mutation first
// (src/webhook/mutate.ts: profiles, scheduler name, gang identity, NUMA
// hints), as the API server would send them, then are added to a snapshot of the cluster (pending,
// created now) and each is decided by src/gang/admit.ts as the extender
// would at its filter call, drivers first; a pod admitted is bound in the
// copy (its slot consumed) before the next is decided. Nothing is written.
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import type { Config } from '../config/index.js';
import { StaticCache } from '../k8s/cache.js';
import { mutate } from '../webhook/mutate.js';
import { createTemplateSource } from '../webhook/templates.js';
import { explainPod, type Explanation, type PlannedMember } from './explain.js';
import { planningState, type Snapshot } from './snapshot.js';

export interface WhatIf {
  /** Every pod of the app would be placed (a driver: with room for all its executors). */
  readonly fits: boolean;
  readonly pods: readonly Explanation[];
  /** What the webhook said about the app's pods (warnings, and values a profile denies). */
  readonly admission: readonly string[];
  /** The gangs' plans after the app's pods were decided. */
  readonly plans: Readonly<Record<string, readonly PlannedMember[]>>;
}

/** The app's pods as the API would hold them once created: namespace, uid and creation time set. */
export function asCreated(pods: readonly V1Pod[], namespace: string, now: number): V1Pod[] {
  return pods.map((p, i) => {
    const c = structuredClone(p);
    c.metadata = {
      ...c.metadata,
      namespace: c.metadata?.namespace ?? namespace,
      uid: c.metadata?.uid ?? `what-if-${i}`,
      creationTimestamp: c.metadata?.creationTimestamp ?? (new Date(now).toISOString() as unknown as Date),
    };
    if (c.spec) delete c.spec.nodeName;
    if (c.status) delete c.status;
    return c;
  });
}

/** The pods as the webhook shapes them at admission (templates from the snapshot's ConfigMaps, when it has them). */
export function admitted(snap: Snapshot, app: readonly V1Pod[], config: Config): { pods: V1Pod[]; admission: string[] } {
  const templates = createTemplateSource(snap.configMaps ? new StaticCache<V1ConfigMap>('configmaps', snap.configMaps) : undefined);
  const admission: string[] = [];
  const pods = app.map((p) => {
    const r = mutate(p, { config, namespace: p.metadata?.namespace, templates });
    const name = p.metadata?.name ?? '';
    for (const w of r.warnings) admission.push(`${name}: ${w}`);
    for (const d of r.denied ?? []) admission.push(`${name}: denied: ${d}`);
    return r.pod;
  });
  return { pods, admission };
}

export function whatIf(snap: Snapshot, raw: readonly V1Pod[], config: Config, now: number): WhatIf {
  const { pods: app, admission } = admitted(snap, raw, config);
  const state = planningState({ ...snap, pods: [...snap.pods, ...app] }, config.extender, now);
  const order = [...app].sort((a, b) => Number(b.metadata?.labels?.['spark-role'] === 'driver') - Number(a.metadata?.labels?.['spark-role'] === 'driver'));
  const out: Explanation[] = [];
  const plans: Record<string, readonly PlannedMember[]> = {};
  for (const pod of order) {
    const e = explainPod(state, pod);
    out.push(e);
    const node = e.verdict === 'Ready' || e.verdict === 'NotInGang' ? e.nodes[0] : undefined;
    if (!node) continue;
    // Bind it in the copy: the next pod is decided with this one in place.
    const bound = structuredClone(pod);
    bound.spec = { ...(bound.spec ?? { containers: [] }), nodeName: node };
    const uid = pod.metadata?.uid ?? '';
    const held = state.ledger.slotOf(uid);
    if (held && !held.slot.consumedBy) state.ledger.consume(held.gang.id.key, held.slot.id, uid);
    state.index.upsertPod(bound);
    if (e.gang) {
      const slots = e.plan ? e.plan.map((s) => (s.pod === e.pod ? { ...s, bound: true } : s)) : undefined;
      if (slots) plans[e.gang.key] = slots;
    }
  }
  const fits = out.length > 0 && out.every((e) => (e.verdict === 'Ready' || e.verdict === 'NotInGang') && e.nodes.length > 0);
  return { fits, pods: out, admission, plans };
}
