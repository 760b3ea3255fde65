#!/usr/bin/env node
// `npm run cluster -- <command>`: a local cluster with Gangplank installed
// from its chart. USAGE below lists the commands.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { placementTable, runOversizedDemo, runSparkDemo } from './demo.js';
import { repoRoot, startLocalCluster, type GangplankPorts, type LocalCluster } from './local.js';
import { createNodes, NODE_SPEC_SYNTAX, parseNodeSpecs } from './nodes.js';
import { identify, processRecord, respawn, stopRecorded, type Identity, type ProcessRecord } from './process.js';
import { helmPath, kcpPath } from './tools.js';

const USAGE = `usage: npm run cluster -- <command> [flags]
  up [--nodes DESC] [--config FILE]   start a cluster in the background and print how to use it
  down                                stop it (only pids that still run their recorded command)
  status                              show its processes
  restart gangplank                   restart Gangplank's processes (e.g. after a rebuild; npm run
                                      cluster builds first), with their recorded command, args,
                                      environment and log file, and wait until they are ready
  demo [--keep] [--nodes DESC]        start a cluster, run the Spark demo, print placements`;

const HELP = `${USAGE}

${NODE_SPEC_SYNTAX}`;

/** What `cluster up` leaves for later commands in .gangplank/cluster/state.json. */
interface State {
  dir: string;
  kubeconfig: string;
  apiUrl: string;
  ports: GangplankPorts;
  processes: ProcessRecord[];
}

/** The state file of an older `cluster up`: pids without command lines. */
interface LegacyState {
  pids?: { name: string; pid: number; log: string }[];
}

const root = repoRoot();
const home = join(root, '.gangplank', 'cluster');
const stateFile = join(home, 'state.json');
/** A stable path for the running cluster's admin kubeconfig. */
const kubeconfigLink = join(home, 'kubeconfig');
const say = (msg: string): void => void process.stdout.write(`${msg}\n`);

/** The demo's config: every Spark pod in spark-demo gets 3 executors by default. */
const DEMO_CONFIG = {
  schedulerName: 'gangplank-scheduler',
  schedulerNameAliases: ['kubenexus-scheduler'],
  profiles: [{ name: 'demo', match: { namespaces: ['spark-demo'] }, executorInstances: 3 }, { name: 'default', match: {} }],
};
const DEFAULT_NODES = '3x cpu=4,memory=16Gi';

function readState(): State | undefined {
  if (!existsSync(stateFile)) return undefined;
  const raw = JSON.parse(readFileSync(stateFile, 'utf8')) as Partial<State> & LegacyState;
  // An older state file records no command lines: an empty command matches no
  // process, so `down` leaves those pids alone and says so.
  const processes = raw.processes ?? (raw.pids ?? []).map((p) => ({ name: p.name, pid: p.pid, command: '', args: [], logFile: p.log }));
  return { ...(raw as State), processes };
}

function writeState(state: State): void {
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

function describeOther(r: ProcessRecord, who: Identity & { state: 'other' }): string {
  const recorded = r.command === '' ? 'recorded without its command line (a state file from an older cluster up)' : `recorded as ${[r.command, ...r.args].join(' ').slice(0, 120)}`;
  return `left pid ${r.pid} (${r.name}) alone: it now runs "${who.commandLine.slice(0, 120)}", ${recorded}`;
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    say('no local cluster is recorded');
    return;
  }
  // Reverse start order: Gangplank and the schedulers before the API server, etcd last.
  const records = [...state.processes].reverse();
  const found = await stopRecorded(records, 10_000);
  const count = { running: 0, gone: 0, other: 0 };
  records.forEach((r, i) => {
    const who = found[i] as Identity;
    count[who.state]++;
    if (who.state === 'other') say(describeOther(r, who));
  });
  rmSync(stateFile);
  rmSync(kubeconfigLink, { force: true });
  const notes = [count.gone > 0 ? `${count.gone} had exited` : '', count.other > 0 ? `${count.other} left alone` : ''].filter(Boolean);
  say(`stopped ${count.running} of ${records.length} recorded processes${notes.length > 0 ? ` (${notes.join(', ')})` : ''}; logs stay in ${state.dir}/logs`);
}

async function restart(target: string | undefined): Promise<void> {
  if (target !== 'gangplank') throw new Error(`restart what? only "restart gangplank" is supported\n\n${USAGE}`);
  const state = readState();
  if (!state) throw new Error('no local cluster is recorded: start one with "npm run cluster -- up"');
  const apiserver = state.processes.find((p) => p.name === 'kube-apiserver');
  if (!apiserver || identify(apiserver).state !== 'running') {
    throw new Error('the recorded cluster is not running (its kube-apiserver is gone): run "npm run cluster -- down", then "up"');
  }
  const targets = state.processes.filter((p) => p.name.startsWith('gangplank'));
  if (targets.length === 0) throw new Error('the state file records no gangplank processes');
  // One process at a time, so the other role keeps serving meanwhile.
  for (const record of targets) {
    const t = Date.now();
    const [who] = await stopRecorded([record], 10_000);
    if (who?.state === 'other') say(describeOther(record, who));
    const p = await respawn(record);
    // Write after each one, so that the state stays true if a later one fails.
    state.processes = state.processes.map((r) => (r === record ? processRecord(p) : r));
    writeState(state);
    say(`${record.name} restarted in ${Date.now() - t} ms: pid ${p.pid}${p.readyUrl ? `, ready at ${p.readyUrl}` : ''}, log ${p.logFile}`);
  }
}

function status(): void {
  const s = readState();
  if (!s) return say('no local cluster is recorded');
  for (const p of s.processes) {
    const who = identify(p);
    const what = who.state === 'running' ? 'running' : who.state === 'gone' ? 'exited ' : 'gone (pid reused)';
    say(`${p.name.padEnd(26)} pid ${String(p.pid).padEnd(8)} ${what}  ${p.logFile}`);
  }
  say(`kubeconfig: ${s.kubeconfig}`);
}

async function up(detached: boolean, nodes: string, config?: string): Promise<LocalCluster> {
  const existing = readState();
  if (existing?.processes.some((p) => identify(p).state === 'running')) {
    throw new Error(`a local cluster is already running (kubeconfig ${existing.kubeconfig}); run "npm run cluster -- down" first`);
  }
  // Parse before building or starting anything: a typo in --nodes fails at once.
  const specs = parseNodeSpecs(nodes, 'node');
  const dir = join(home, `run-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const [kcp, helm] = [kcpPath(root), helmPath(root)];
  const t = Date.now();
  const cluster = await startLocalCluster({ kcp, helm, dir, detached, gangplankConfig: config ?? DEMO_CONFIG, log: (m) => say(`  ${m}`) });
  await createNodes(cluster.plane.client, specs);
  say(`local cluster up in ${((Date.now() - t) / 1000).toFixed(1)} s with nodes: ${nodes}`);
  copyFileSync(cluster.plane.kubeconfig, kubeconfigLink);
  if (detached) {
    writeState({
      dir,
      kubeconfig: kubeconfigLink,
      apiUrl: cluster.plane.apiUrl,
      ports: cluster.ports,
      processes: cluster.plane.processes.map((p) => processRecord(p)),
    });
  }
  return cluster;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { nodes: { type: 'string' }, config: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = values.help ? 'help' : (positionals[0] ?? 'help');
  const nodes = values.nodes ?? DEFAULT_NODES;
  switch (command) {
    case 'up': {
      const cluster = await up(true, nodes, values.config);
      const { webhookOps, extenderOps } = cluster.ports;
      say(
        `\nkubeconfig: ${kubeconfigLink}\n  export KUBECONFIG=${kubeconfigLink}\n` +
          `gangplank metrics: http://127.0.0.1:${webhookOps}/metrics (webhook), http://127.0.0.1:${extenderOps}/metrics (extender)\n` +
          'after a rebuild: npm run cluster -- restart gangplank\nstop it with: npm run cluster -- down',
      );
      return;
    }
    case 'down':
      return down();
    case 'restart':
      return restart(positionals[1]);
    case 'status':
      return status();
    case 'demo': {
      const cluster = await up(Boolean(values.keep), nodes, values.config);
      try {
        const pods = await runSparkDemo(cluster.plane.client, { namespace: 'spark-demo', appName: 'spark-pi', executors: 3, log: say });
        say(`\n${placementTable(pods)}\n`);
        const gangs = new Set(pods.map((p) => p.metadata?.labels?.['pod-group.scheduling.kubenexus.io/name'] ?? ''));
        say(gangs.size === 1 && !gangs.has('') ? `all ${pods.length} pods share gang ${[...gangs][0]}` : `gang labels: ${[...gangs].join(', ') || 'none'}`);
        const why = await runOversizedDemo(cluster.plane.client, { namespace: 'spark-demo', appName: 'spark-huge', executors: 12, log: say });
        say(`spark-huge-driver stays Pending, nothing of it is placed; kube-scheduler reports:\n  ${why}`);
      } finally {
        if (values.keep) say(`\ncluster left running: export KUBECONFIG=${kubeconfigLink}; stop with: npm run cluster -- down`);
        else await cluster.stop();
      }
      return;
    }
    case 'help':
      return say(HELP);
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
