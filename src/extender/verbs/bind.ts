// POST /bind. A planned gang's plan (gangplank.io/gang-record) reaches the
// API server no later than its first member's bind, so a restarted extender
// can always finish what it started and never completes half a gang. The
// first member to bind normally is the gang's anchor (the driver; in a
// co-created gang whichever member binds first becomes the anchor): its plan
// rides on its Binding, whose annotations the API server copies onto the pod
// in the same update that sets spec.nodeName — one atomic write, so there is
// never a bound member without its gang's plan, nor a plan written for a bind
// that failed (docs/adr/0001-plans-on-anchor-pods.md). Members whose binds
// arrive meanwhile wait for that write. Only when the first to bind is not
// the anchor (an executor before its driver) is the plan patched onto the
// anchor first. Every bound pod records gangplank.io/numa-zone (when a zone
// was planned; where the node's kubelet picks the zone, the one it will
// pick), gangplank.io/gang and gangplank.io/slot, also on its Binding, which
// restore uses to count consumed slots. A failed bind gives back what the
// pod held.
import type { V1Pod } from '@kubernetes/client-node';
import { podUsage } from '../../gang/capacity.js';
import { commitNativeGroup, effectiveMembership, isNativeMember } from '../../gang/admit.js';
import { GANG_RECORD } from '../../contract/keys.js';
import { planFreeBind, planSlotBind, type BindPlan } from '../../gang/bind-plan.js';
import { gangRecordCodec } from '../../contract/gang-record.js';
import type { ExtenderBindingArgs, ExtenderBindingResult } from '../../k8s/wire.js';
import { malformedBindingArgs } from '../args.js';
import type { ExtenderState } from '../state.js';
import type { ExtenderVerb } from '../verb.js';

export class BindError extends Error {
  override name = 'BindError';
}

export interface BindOptions {
  /**
   * The scheduler names this extender serves (the config's schedulerName and
   * aliases). When given, a pod of another scheduler, or one this extender has
   * never seen, is not bound: /bind binds whatever it is asked to, so it must
   * only ever be asked about its own scheduler's pods.
   */
  readonly schedulers?: ReadonlySet<string>;
  /** Told where a bind's time went: waiting for its gang's plan write, and the API write(s) it made. */
  readonly timings?: (t: BindTimings) => void;
}

export interface BindTimings {
  /** Waiting for another member's Binding that carries the plan (or the plan's patch). */
  waitMs: number;
  /** This bind's own API writes: the plan's patch, when it made one, and its Binding. */
  apiMs: number;
}

/** How a bind wrote its gang's plan: on its Binding, as a patch on the anchor, or not at all (undefined). */
export type PlanWrite = 'binding' | 'patch';

/** What the bind verb may see of the extender state: the ledger and index it commits to, the binder it writes with. */
export type BindView = Pick<
  ExtenderState,
  'binder' | 'clock' | 'config' | 'context' | 'filteredPod' | 'index' | 'ledger' | 'metrics' | 'persisting' | 'refreshGauges' | 'released' | 'tick'
>;

export async function bind(state: BindView, args: ExtenderBindingArgs, opts: BindOptions = {}): Promise<PlanWrite | undefined> {
  const { PodNamespace: ns, PodName: name, PodUID: uid, Node: node } = args;
  const timings: BindTimings = { waitMs: 0, apiMs: 0 };
  state.tick();
  const ttlMs = state.config.assumeTtlSeconds * 1000;
  const facts = state.index.pod(uid) ?? state.index.podByName(ns, name);
  // The pod as filter saw it when our informer has not delivered it yet.
  const pod: V1Pod | undefined = facts?.pod ?? state.filteredPod(uid);
  if (opts.schedulers) {
    if (!pod) throw new BindError(`${ns}/${name} (uid ${uid}) is unknown to this extender (never filtered, not in its cache); not bound`);
    const scheduler = pod.spec?.schedulerName ?? 'default-scheduler';
    if (!opts.schedulers.has(scheduler)) {
      throw new BindError(`${ns}/${name} belongs to scheduler ${scheduler}; this extender binds only pods of ${[...opts.schedulers].join(', ')}`);
    }
  }
  const usage = pod ? podUsage(pod) : undefined;
  if (pod) commitNative(state, pod, node);
  const ref = state.ledger.slotOf(uid);

  if (ref && !ref.slot.consumedBy) {
    const { gang, slot } = ref;
    const key = gang.id.key;
    const pinned = slot.podUid === uid;
    if (pinned || slot.assignedTo === uid) {
      if (slot.node !== node) {
        if (pinned && gang.state === 'planned') state.released(state.ledger.release(key, 'bind_failed'));
        else state.ledger.unassign(uid);
        throw new BindError(`gang ${key}: asked to bind ${ns}/${name} to ${node}, but its ${slot.role} slot ${slot.id} is on ${slot.node}`);
      }
      // Who writes the plan: a bind already doing so (wait for it), this one
      // on its Binding (the anchor, or the first co-created member, which
      // becomes the anchor), or a patch on the anchor before this Binding.
      let carries: { record: string; done: (err?: unknown) => void } | undefined;
      let planWrite: PlanWrite | undefined;
      if (!gang.persisted) {
        const inFlight = state.persisting.get(key);
        if (gang.anchor.uid === uid && !inFlight) {
          carries = planOnBinding(state, key);
          planWrite = 'binding';
        } else if (gang.kind === 'co-created' && !inFlight) {
          state.ledger.adoptAnchor(key, { name, uid });
          carries = planOnBinding(state, key);
          planWrite = 'binding';
        } else {
          if (inFlight) {
            const tw = performance.now();
            await inFlight.catch((err: unknown) => {
              throw new BindError(`gang ${key}: the bind writing its plan failed (${errorText(err)}); ${ns}/${name} not bound, the scheduler retries`);
            });
            timings.waitMs += performance.now() - tw;
          } else {
            const tp = performance.now();
            await persistOnce(state, key);
            timings.apiMs += performance.now() - tp;
            planWrite = 'patch';
          }
          // The plan may have been released while this bind waited (its write failed, or the gang was replanned).
          if (state.ledger.get(key) !== gang) throw new BindError(`gang ${key}: its plan was released while ${ns}/${name} waited to bind; the scheduler retries`);
        }
      }
      let plan: BindPlan;
      try {
        plan = planSlotBind({ index: state.index, ledger: state.ledger, numaResources: state.config.numaResources, node, pod, usage }, key, slot, gang.state);
      } catch (err) {
        // Members waiting on this bind's plan write must not wait for ever.
        carries?.done(err);
        throw err;
      }
      const { zone } = plan;
      const annotations = carries ? { ...plan.annotations, [GANG_RECORD]: carries.record } : plan.annotations;
      try {
        const ta = performance.now();
        await state.binder.bind(ns, name, uid, node, annotations);
        timings.apiMs += performance.now() - ta;
      } catch (err) {
        // What a failed Binding gives back: planSlotBind decided it (src/gang/bind-plan.ts).
        if (plan.onFailure === 'unassign-slot') state.ledger.unassign(uid);
        else if (plan.onFailure === 'release-gang') state.released(state.ledger.release(key, 'bind_failed'));
        carries?.done(err);
        throw new BindError(`binding ${ns}/${name} to ${node} failed: ${errorText(err)}`);
      }
      if (carries) {
        state.ledger.markPersisted(key);
        carries.done();
      }
      if (planWrite) state.metrics.planWrites.inc({ via: planWrite });
      opts.timings?.(timings);
      // The informer may have seen this pod bound first and consumed the slot
      // (followBound): then this consume is a no-op and the fill was counted there.
      const filled = state.ledger.consume(key, slot.id, uid);
      if (usage) state.index.assume(uid, node, zone, usage, state.clock() + ttlMs, pod);
      state.released(filled);
      state.refreshGauges();
      return planWrite;
    }
  }

  // No slot: a pod in no gang, or an executor/member beyond its reservation.
  const staleTopology = state.context().staleTopology;
  const free = planFreeBind({ index: state.index, ledger: state.ledger, numaResources: state.config.numaResources, node, pod, usage, ...(staleTopology ? { staleTopology } : {}) });
  if (free instanceof Error) throw new BindError(free.message);
  const ta = performance.now();
  await state.binder.bind(ns, name, uid, node, free.annotations);
  timings.apiMs += performance.now() - ta;
  opts.timings?.(timings);
  if (usage) state.index.assume(uid, node, free.zone, usage, state.clock() + ttlMs, pod);
  return undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * This bind carries its gang's plan on its Binding: register the write so
 * that members binding meanwhile wait for it (they must not be bound before
 * the plan is stored), and hand back the record and the settle function.
 */
function planOnBinding(state: BindView, key: string): { record: string; done: (err?: unknown) => void } {
  const record = state.ledger.serialise(key);
  if (!record) throw new BindError(`gang ${key}: no plan to write`);
  let settle!: (err?: unknown) => void;
  const write = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  // Waiters handle the failure; this keeps a failure no one waited for from being unhandled.
  write.catch(() => undefined);
  state.persisting.set(key, write);
  return {
    record: gangRecordCodec.format(record),
    done(err) {
      state.persisting.delete(key);
      settle(err);
    },
  };
}

/**
 * Write a gang's plan once, as a patch on its anchor (its first member to
 * bind is not the anchor). kube-scheduler binds in parallel goroutines, so
 * several members of one gang can reach /bind while the first plan write is
 * still in flight: they all wait on that one write (one promise per gang
 * key) instead of each writing the plan again (issue 13). A failed write
 * releases the plan, and every waiting member fails with it.
 */
function persistOnce(state: BindView, key: string): Promise<void> {
  const inFlight = state.persisting.get(key);
  if (inFlight) return inFlight;
  const write = (async () => {
    const record = state.ledger.serialise(key);
    try {
      if (record) await state.binder.persistPlan(record);
    } catch (err) {
      state.released(state.ledger.release(key, 'bind_failed'));
      throw new BindError(`gang ${key}: could not persist the plan before binding: ${String(err)}`);
    }
    state.ledger.markPersisted(key);
  })().finally(() => state.persisting.delete(key));
  state.persisting.set(key, write);
  return write;
}

/**
 * A native PodGroup member's bind commits its group (filter only remembered
 * where it pinned each member: src/gang/native.ts). kube-scheduler's choice
 * stands: a member bound elsewhere than filter pinned it moves its slot there.
 */
function commitNative(state: BindView, pod: V1Pod, node: string): void {
  const ctx = state.context();
  if (!ctx.nativeGroups) return;
  if (commitNativeGroup(ctx, pod, node)) state.refreshGauges();
  const uid = pod.metadata?.uid ?? '';
  const held = state.ledger.slotOf(uid);
  if (held && !held.slot.consumedBy && held.slot.podUid === uid && held.slot.node !== node && isNativeMember(effectiveMembership(ctx, pod))) {
    state.ledger.moveSlot(held.gang.id.key, held.slot.id, node);
  }
}

export function createBindVerb(state: BindView, opts: BindOptions = {}): ExtenderVerb<ExtenderBindingArgs, ExtenderBindingResult> {
  return {
    name: 'bind',
    wireName: 'ExtenderBindingArgs',
    malformed: malformedBindingArgs,
    async handle(args, log) {
      const t = performance.now();
      let spent: BindTimings | undefined;
      const plan = await bind(state, args, { ...opts, timings: (x) => (spent = x) });
      // Where a bind's time went, per pod in the log (bench/scheduler.ts reads it): all of it,
      // waiting for the gang's plan write, and its own API writes; the rest is this process.
      const r = (x: number): number => Math.round(x * 100) / 100;
      log.info({ pod: `${args.PodNamespace}/${args.PodName}`, node: args.Node, ms: r(performance.now() - t), waitMs: r(spent?.waitMs ?? 0), apiMs: r(spent?.apiMs ?? 0), ...(plan ? { plan } : {}) }, 'bound');
      return {};
    },
    onError: (err) => ({ Error: err instanceof Error ? err.message : String(err) }),
  };
}
