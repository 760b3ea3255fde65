// Start-up of the extender role: API client, informer caches of all nodes
// and pods (and NodeResourceTopology whenever the API serves it: discovered
// at start-up and every extender.topologyDiscoverySeconds after, see
// ./topology-discovery.ts), the ledger restored from
// the plans persisted on anchor pods, then the HTTP server. The server starts
// only after the restore, so no filter call is ever answered from an empty
// ledger after a restart.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { RequestListener } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from '../cli.js';
import type { Config } from '../config/index.js';
import { listen } from '../http/serve.js';
import type { KubeClient } from '../k8s/client.js';
import type { ExtenderArgs, ExtenderFilterResult } from '../k8s/wire.js';
import { createInformer, type InformerHandlers } from '../k8s/informer.js';
import { stripNode, stripPod } from './strip.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/index.js';
import type { NodeResourceTopology } from '../numa/topology.js';
import { NUMA_TOPOLOGY, POD_GROUP_GROUP_VERSION, POD_GROUP_RESOURCE } from '../contract/keys.js';
import type { PodGroupObject } from '../gang/podgroup.js';
import { ApiDiscovery, servesApi } from '../k8s/api-discovery.js';
import { apiStatusWriter, GangStatusWriter } from './gang-status.js';
import { PodGroupSource } from './podgroups.js';
import type { NativePodGroupObject } from '../gang/native.js';
import { NATIVE_CACHE_LABEL, NATIVE_GROUP_VERSION, NATIVE_RESOURCE, NativeGroupSource } from './native-groups.js';
import { flag, kubeClient, type Running } from '../runtime.js';
import { buildExtenderApp } from './app.js';
import { apiBinder, eventRecorder, LazyConfigMapCache, nodeEventRecorder } from './kube.js';
import { apiToucher, Requeuer } from './requeue.js';
import { createLeaseElector } from './lease.js';
import { ExtenderState, type ExtenderStateDeps, type GangEvent } from './state.js';
import { NRT_GROUP_VERSION, NRT_RESOURCE, TopologyDiscovery } from './topology-discovery.js';
import { verb, type ExtenderVerb } from './verb.js';
import { createBindVerb } from './verbs/bind.js';
import { debugGangs } from './debug.js';
import { apiProvisioning, Provisioner } from './provisioning.js';
import { createFilterVerb } from './verbs/filter.js';
import { createPrioritizeVerb } from './verbs/prioritize.js';
import { createPreemptVerb } from './verbs/preempt.js';

export async function startExtender(cmd: Command, config: Config, logger: Logger, metrics: Metrics, run: Running): Promise<void> {
  const host = (cmd.role === 'serve' ? flag(cmd, 'extender-host') : flag(cmd, 'host')) ?? '127.0.0.1';
  const port = Number((cmd.role === 'serve' ? flag(cmd, 'extender-port') : flag(cmd, 'port')) ?? 8888);
  const log = logger.child({ role: 'extender' });
  const client = kubeClient(cmd, true, log) as KubeClient;

  // The informers need the state and the state needs the informers: handlers
  // reach it through `sink`, filled in before any informer starts.
  const sink: { state?: ExtenderState } = {};
  const provisioner: { ref?: Provisioner } = {};
  const requeuer = new Requeuer(apiToucher(client), log);
  const nodes = createInformer<V1Node>({
    client,
    path: '/api/v1/nodes',
    resource: 'nodes',
    logger: log,
    // Only what Gangplank reads is cached (src/k8s/strip.ts): 5,000 nodes and 50,000 pods in 256 MiB.
    transform: stripNode,
    handlers: forward((type, n) => sink.state?.onNode(type, n)),
  });
  const pods = createInformer<V1Pod>({
    client,
    path: '/api/v1/pods',
    resource: 'pods',
    logger: log,
    transform: stripPod,
    // Small pages keep each page's whole objects young: they die before promotion. Measured at
    // 50,000 pods (bench/RESULTS.md, "Extender memory"): 264 MiB peak with 100, 316 MiB with 250.
    pageSize: 100,
    handlers: forward((type, p) => {
      sink.state?.onPod(type, p);
      if (type === 'delete') requeuer.forget(p.metadata?.uid ?? '');
      if (type === 'delete' || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') provisioner.ref?.podGone(p);
    }),
  });
  // Every replica follows the gangs; one, the holder of the extender Lease,
  // writes what no scheduler call asked for (docs/adr/0006-extender-replicas.md).
  const leaseRef = flag(cmd, 'leader-elect-lease');
  const elector = leaseRef
    ? createLeaseElector({
        client,
        lease: leaseRef,
        identity: `${hostname()}_${randomUUID()}`,
        logger: log,
        onChange: (leader) => metrics.backgroundWriter.set(leader ? 1 : 0),
      })
    : undefined;
  const writer = (): boolean => elector?.isLeader() ?? true;
  metrics.backgroundWriter.set(elector ? 0 : 1);
  // scheduler-plugins PodGroups, while the API serves them: a PodGroup that
  // appears or changes wakes its parked members and refreshes its status.
  const statusRef: { writer?: GangStatusWriter } = {};
  const podGroups = new PodGroupSource((_type, pg) => {
    const ns = pg.metadata?.namespace ?? 'default';
    const name = pg.metadata?.name ?? '';
    requeuer.wakeGang(ns, name);
    statusRef.writer?.mark(`${ns}/${name}`);
  });
  // Native PodGroups (scheduling.k8s.io/v1beta1, gate GenericWorkload), while served.
  const nativeGroups = new NativeGroupSource((_type, pg) => {
    const ns = pg.metadata?.namespace ?? 'default';
    const name = pg.metadata?.name ?? '';
    requeuer.wakeGang(ns, name);
    statusRef.writer?.mark(`${ns}/${name}`);
  });
  const recordEvent = eventRecorder(client, log, config.extender.eventIntervalSeconds * 1000);
  const recordNodeEvent = nodeEventRecorder(client, log, (n) => nodes.get(n)?.metadata?.uid, config.extender.eventIntervalSeconds * 1000);
  const state = new WakingState(requeuer, {
    config: config.extender,
    nodes,
    pods,
    configMaps: new LazyConfigMapCache(client, log),
    binder: apiBinder(client),
    metrics,
    // Events a scheduler call caused come from the replica it called; the rest from the writer only.
    notify: (e) => {
      if (BACKGROUND_EVENTS.has(e.reason) && !writer()) return;
      recordEvent(e);
    },
    wake: (p) => requeuer.wakePod(p),
    podGroups,
    nativeGroups,
    onGangChange: (key) => statusRef.writer?.mark(key),
  });
  sink.state = state;
  run.gangs = () => debugGangs(state);
  // The cluster-autoscaler signal, when enabled: ProvisioningRequests for gangs that fit nowhere.
  const provisioning = config.extender.provisioningRequests;
  if (provisioning.enabled) {
    provisioner.ref = new Provisioner({ state, api: apiProvisioning(client), className: provisioning.className, logger: log });
    state.onVerdict = (pod, verdict) => provisioner.ref?.observe(pod, verdict);
  }
  statusRef.writer = new GangStatusWriter({ state, api: apiStatusWriter(client), logger: log, writer });
  const podGroupDiscovery = new ApiDiscovery<PodGroupObject>({
    groupVersion: POD_GROUP_GROUP_VERSION,
    resource: POD_GROUP_RESOURCE,
    serves: () => servesApi(client, POD_GROUP_GROUP_VERSION),
    createInformer: (handlers) =>
      createInformer<PodGroupObject & { metadata: { name: string } }>({
        client,
        path: `/apis/${POD_GROUP_GROUP_VERSION}/${POD_GROUP_RESOURCE}`,
        resource: POD_GROUP_RESOURCE,
        logger: log,
        handlers,
      }),
    target: podGroups,
    metrics,
    logger: log,
    intervalMs: config.extender.topologyDiscoverySeconds * 1000,
  });
  const nativeDiscovery = new ApiDiscovery<NativePodGroupObject>({
    groupVersion: NATIVE_GROUP_VERSION,
    resource: NATIVE_CACHE_LABEL,
    // Served when the group version is there (GenericWorkload on, scheduling.k8s.io/v1beta1 enabled) and lists podgroups.
    serves: () => servesApi(client, NATIVE_GROUP_VERSION, { resource: NATIVE_RESOURCE }),
    createInformer: (handlers) =>
      createInformer<NativePodGroupObject & { metadata: { name: string } }>({
        client,
        path: `/apis/${NATIVE_GROUP_VERSION}/${NATIVE_RESOURCE}`,
        resource: NATIVE_CACHE_LABEL,
        logger: log,
        handlers,
      }),
    target: nativeGroups,
    metrics,
    logger: log,
    intervalMs: config.extender.topologyDiscoverySeconds * 1000,
  });
  const discovery = new TopologyDiscovery({
    serves: () => servesApi(client, NRT_GROUP_VERSION),
    createInformer: (handlers) =>
      createInformer<NodeResourceTopology & { metadata: { name: string } }>({
        client,
        path: `/apis/${NRT_GROUP_VERSION}/${NRT_RESOURCE}`,
        resource: NRT_RESOURCE,
        logger: log,
        handlers,
      }),
    target: state,
    metrics,
    logger: log,
    nodeEvent: (node, reason, message) => {
      if (writer()) recordNodeEvent(node, reason, message);
    },
    hasAnnotation: (n) => nodes.get(n)?.metadata?.annotations?.[NUMA_TOPOLOGY] !== undefined,
    nodeExists: (n) => nodes.get(n) !== undefined,
    intervalMs: config.extender.topologyDiscoverySeconds * 1000,
  });
  const informers = [nodes, pods];
  for (const i of informers) metrics.trackCache(i.resource, () => i.synced());
  const watched = () => [...informers, ...[discovery.active(), podGroupDiscovery.active(), nativeDiscovery.active()].filter((i) => i !== undefined)];
  let restored = false;
  run.readiness.push({
    name: 'extender',
    check: () => {
      const unsynced = watched()
        .filter((i) => !i.synced())
        .map((i) => i.resource);
      if (unsynced.length > 0) return `caches not synced: ${unsynced.join(', ')}`;
      if (!restored) return 'ledger not restored yet';
      return state.cacheProblem();
    },
  });
  run.stoppers.push(async () => {
    await elector?.stop();
    await discovery.stop();
    await podGroupDiscovery.stop();
    await nativeDiscovery.stop();
    await Promise.all(informers.map((i) => i.stop()));
  });

  const t = Date.now();
  await Promise.all(informers.map((i) => i.start()));
  // Topology as the API serves it now; discovery keeps looking from here on.
  await discovery.check(true);
  if (!discovery.active()) log.info({ groupVersion: NRT_GROUP_VERSION }, 'NodeResourceTopology not served (yet): NUMA topology from node annotations; discovery keeps looking');
  discovery.start();
  await podGroupDiscovery.check(true);
  podGroupDiscovery.start();
  await nativeDiscovery.check(true);
  nativeDiscovery.start();
  if (elector) {
    await elector.round();
    elector.start();
  }
  const { restored: gangs, errors } = state.restore();
  restored = true;
  for (const e of errors) log.warn({ problem: e }, 'unreadable gang record ignored');
  log.info({ gangs: gangs.length, nodes: nodes.list().length, pods: pods.list().length, ms: Date.now() - t }, 'caches synced and ledger restored');

  const ticker = setInterval(() => state.tick(), 500);
  ticker.unref();
  const statusTicker = setInterval(() => void statusRef.writer?.flush(), 1000);
  statusTicker.unref();
  run.stoppers.push(async () => {
    clearInterval(ticker);
    clearInterval(statusTicker);
  });

  const app = buildExtenderApp({
    logger: log,
    metrics,
    verbs: [
      verb(observed(createFilterVerb(state), requeuer)),
      verb(createPrioritizeVerb(state)),
      verb(createBindVerb(state, { schedulers: new Set([config.schedulerName, ...config.schedulerNameAliases]) })),
      verb(createPreemptVerb(state)),
    ],
  });
  const certFile = flag(cmd, 'extender-tls-cert-file');
  const keyFile = flag(cmd, 'extender-tls-key-file');
  const tls = certFile && keyFile ? { certFile, keyFile } : undefined;
  const clientCaFile = flag(cmd, 'extender-client-ca-file');
  const clientCa = clientCaFile ? readFileSync(clientCaFile, 'utf8') : undefined;
  run.servers.push(await listen(app as unknown as RequestListener, { name: 'extender', host, port, tls, ...(clientCa ? { clientCa } : {}), logger: log }));
}

/** Events no scheduler call caused: only the background writer posts them. */
const BACKGROUND_EVENTS: ReadonlySet<GangEvent['reason']> = new Set(['GangTimedOut', 'GangReleased', 'GangRecordIgnored']);

/** Informer handlers that pass the event type along to one function. */
function forward<T>(on: (type: 'add' | 'update' | 'delete', obj: T) => void): InformerHandlers<T> {
  return { add: (o) => on('add', o), update: (o) => on('update', o), delete: (o) => on('delete', o) };
}

/** The ledger's state, waking parked pods whenever reserved room is released. */
class WakingState extends ExtenderState {
  constructor(
    private readonly requeuer: Requeuer,
    deps: ExtenderStateDeps,
  ) {
    super(deps);
  }
  /** Told of every gang verdict the filter gives (the ProvisioningRequest adapter). */
  onVerdict: ((pod: Parameters<ExtenderState['noteVerdict']>[0], verdict: Parameters<ExtenderState['noteVerdict']>[1]) => void) | undefined;
  override noteVerdict(...args: Parameters<ExtenderState['noteVerdict']>): void {
    super.noteVerdict(...args);
    this.onVerdict?.(...args);
  }
  override released(r: Parameters<ExtenderState['released']>[0]): void {
    super.released(r);
    if (r && r.slots > 0) this.requeuer.roomFreed();
  }
  override topologySynced(s: Parameters<ExtenderState['topologySynced']>[0]): void {
    super.topologySynced(s);
    // An NRT update made NUMA room: no event the scheduler watches says so.
    this.requeuer.roomFreed();
  }
}

/** The filter verb, telling the requeuer what it answered. */
function observed(filter: ExtenderVerb<ExtenderArgs, ExtenderFilterResult>, requeuer: Requeuer): ExtenderVerb<ExtenderArgs, ExtenderFilterResult> {
  return {
    ...filter,
    async handle(args, log) {
      const result = await filter.handle(args, log);
      requeuer.observe(args.Pod, result);
      return result;
    },
  };
}
