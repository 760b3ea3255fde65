#!/usr/bin/env node
// kubectl-gangplank: `kubectl gangplank status | explain | what-if` (issue 11).
// The adapter: reads the API (GET only) or a snapshot file or the
// extender's /debug/gangs, runs the pure modules beside it, prints. It
// never writes to the cluster.
import type { V1ConfigMap, V1Node, V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { UsageError } from '../cli.js';
import { ConfigError, loadConfig, readEnvironment, type Config } from '../config/index.js';
import { SPARK_CONF_MAP_SUFFIX } from '../contract/keys.js';
import type { GangsReport } from '../gang/report.js';
import { ApiError, createKubeClient, loadKubeConfig, type KubeClient } from '../k8s/client.js';
import type { NodeResourceTopology } from '../numa/topology.js';
import { parsePluginArgs, type Common, type PluginCommand } from './args.js';
import { explainPod } from './explain.js';
import { renderExplain, renderStatus, renderWhatIf } from './render.js';
import { parseSnapshot, planningState, type Snapshot } from './snapshot.js';
import { filterReport, statusOf } from './status.js';
import { asCreated, whatIf } from './whatif.js';

class PluginError extends Error {}

/** Progress on stderr, only for a person watching (long lists on big clusters). */
function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
}
function progressDone(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

function client(common: Common): KubeClient {
  const env = readEnvironment();
  const file = common.kubeconfig ?? (env.kubeconfig && !env.kubeconfig.includes(':') ? env.kubeconfig : undefined);
  return createKubeClient(loadKubeConfig(file));
}

/** Nodes, pods, NodeResourceTopology (when served) and pending drivers' spark.properties ConfigMaps. */
async function liveSnapshot(api: KubeClient): Promise<Snapshot> {
  progress('listing nodes…');
  const nodes = (await api.request<{ items: V1Node[] }>({ path: '/api/v1/nodes' })).items;
  progress(`listing pods (${nodes.length} nodes)…`);
  const pods = (await api.request<{ items: V1Pod[] }>({ path: '/api/v1/pods' })).items;
  progress(`listing NodeResourceTopology (${pods.length} pods)…`);
  const topologies = await api
    .request<{ items: NodeResourceTopology[] }>({ path: '/apis/topology.node.k8s.io/v1alpha2/noderesourcetopologies' })
    .then((l) => l.items)
    .catch((err: unknown) => {
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return [];
      throw err;
    });
  const configMaps: V1ConfigMap[] = [];
  for (const p of pods) {
    if (p.spec?.nodeName || p.metadata?.labels?.['spark-role'] !== 'driver') continue;
    for (const v of p.spec?.volumes ?? []) {
      const name = v.configMap?.name;
      if (!name?.endsWith(SPARK_CONF_MAP_SUFFIX)) continue;
      const cm = await api.request<V1ConfigMap>({ path: `/api/v1/namespaces/${p.metadata?.namespace}/configmaps/${name}` }).catch(() => undefined);
      if (cm) configMaps.push(cm);
    }
  }
  progressDone();
  return { nodes, pods, topologies, configMaps };
}

async function fromExtender(url: string): Promise<GangsReport | Error> {
  try {
    const res = await fetch(`${url}/debug/gangs`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return new Error(`GET ${url}/debug/gangs: HTTP ${res.status}`);
    return (await res.json()) as GangsReport;
  } catch (err) {
    return new Error(`GET ${url}/debug/gangs: ${(err as Error).message}`);
  }
}

function readPods(file: string): V1Pod[] {
  const text = readFileSync(file, 'utf8');
  const out: V1Pod[] = [];
  for (const doc of parseAllDocuments(text)) {
    if ('errors' in doc && doc.errors.length > 0) throw new PluginError(`${file}: ${doc.errors[0]?.message}`);
    const v = doc.toJS() as { kind?: string; items?: unknown[] } | null;
    if (!v) continue;
    const items = v.kind === 'List' && Array.isArray(v.items) ? (v.items as { kind?: string }[]) : [v];
    for (const i of items) {
      if (i.kind === 'Pod') out.push(i as V1Pod);
      else throw new PluginError(`${file}: ${i.kind ?? 'a document without kind'} is not a Pod (what-if plans Pods: the driver with its executor annotations, or a gang's members)`);
    }
  }
  if (out.length === 0) throw new PluginError(`${file}: no Pod in it`);
  return out;
}

async function run(cmd: PluginCommand, config: Config): Promise<string> {
  const now = Date.now();
  const schedulers = new Set([config.schedulerName, ...config.schedulerNameAliases]);
  switch (cmd.cmd) {
    case 'status': {
      const filter = { ...(cmd.namespace ? { namespace: cmd.namespace } : {}), ...(cmd.app ? { app: cmd.app } : {}) };
      if (cmd.common.extenderUrl) {
        const r = await fromExtender(cmd.common.extenderUrl);
        if (!(r instanceof Error)) return renderStatus(filterReport(r, filter), cmd.common.output);
        process.stderr.write(`kubectl-gangplank: ${r.message}; computing from the API instead\n`);
      }
      const state = planningState(await liveSnapshot(client(cmd.common)), config.extender, now);
      return renderStatus(statusOf(state, schedulers, filter), cmd.common.output);
    }
    case 'explain': {
      const snap = await liveSnapshot(client(cmd.common));
      const pod = snap.pods.find((p) => p.metadata?.namespace === cmd.namespace && p.metadata?.name === cmd.pod);
      if (!pod) throw new PluginError(`pod ${cmd.namespace}/${cmd.pod} not found`);
      const state = planningState(snap, config.extender, now);
      return renderExplain(explainPod(state, pod), cmd.common.output);
    }
    case 'what-if': {
      const app = asCreated(readPods(cmd.file), cmd.namespace, now);
      let snap: Snapshot;
      if (cmd.snapshot) {
        const parsed = parseSnapshot(JSON.parse(readFileSync(cmd.snapshot, 'utf8')));
        if (parsed instanceof Error) throw new PluginError(`${cmd.snapshot}: ${parsed.message}`);
        snap = parsed;
      } else {
        snap = await liveSnapshot(client(cmd.common));
      }
      return renderWhatIf(whatIf(snap, app, config, now), cmd.common.output);
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const parsed = parsePluginArgs(argv);
    if ('help' in parsed) {
      process.stdout.write(`${parsed.help}\n`);
      return 0;
    }
    const config = loadConfig(parsed.common.config);
    process.stdout.write(`${await run(parsed, config)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`kubectl-gangplank: ${err.message}\n`);
      return 2;
    }
    if (err instanceof PluginError || err instanceof ConfigError || err instanceof ApiError) {
      process.stderr.write(`kubectl-gangplank: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`kubectl-gangplank: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
