#!/usr/bin/env node
// `npm run cluster -- <command>`: a local cluster with Gangplank wired in.
//   up [--nodes DESC] [--config FILE]   start it in the background, print how to use it
//   down                                stop it
//   status                              show its processes
//   demo [--keep]                       start it, run the Spark demo, print placements
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { placementTable, runOversizedDemo, runSparkDemo } from './demo.js';
import { repoRoot, startLocalCluster, type LocalCluster } from './local.js';
import { createNodes, parseNodeSpecs } from './nodes.js';
import { killPid } from './process.js';

interface State {
  dir: string;
  kubeconfig: string;
  pids: { name: string; pid: number; log: string }[];
  ports: LocalCluster['ports'];
  apiUrl: string;
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

function kcpPath(): string {
  const out = execFileSync('bash', [join(root, 'test/controlplane/build.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return out.toString().trim().split('\n').pop() as string;
}

function readState(): State | undefined {
  return existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as State) : undefined;
}

function alive(pid: number): boolean {
  return killPid(pid, 0 as unknown as NodeJS.Signals);
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    say('no local cluster is recorded');
    return;
  }
  for (const p of [...state.pids].reverse()) killPid(p.pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (state.pids.some((p) => alive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  for (const p of state.pids) if (alive(p.pid)) killPid(p.pid, 'SIGKILL');
  rmSync(stateFile);
  rmSync(kubeconfigLink, { force: true });
  say(`stopped ${state.pids.length} processes; logs stay in ${state.dir}/logs`);
}

async function up(detached: boolean, nodes: string, config?: string): Promise<LocalCluster> {
  const existing = readState();
  if (existing?.pids.some((p) => alive(p.pid))) {
    throw new Error(`a local cluster is already running (kubeconfig ${existing.kubeconfig}); run "npm run cluster -- down" first`);
  }
  const dir = join(home, `run-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const kcp = kcpPath();
  const t = Date.now();
  const cluster = await startLocalCluster({ kcp, dir, detached, gangplankConfig: config ?? DEMO_CONFIG, log: (m) => say(`  ${m}`) });
  await createNodes(cluster.plane.client, parseNodeSpecs(nodes, 'node'));
  say(`local cluster up in ${((Date.now() - t) / 1000).toFixed(1)} s with nodes: ${nodes}`);
  copyFileSync(cluster.plane.kubeconfig, kubeconfigLink);
  const state: State = {
    dir,
    kubeconfig: kubeconfigLink,
    apiUrl: cluster.plane.apiUrl,
    ports: cluster.ports,
    pids: cluster.plane.processes.map((p) => ({ name: p.name, pid: p.pid, log: p.logFile })),
  };
  if (detached) writeFileSync(stateFile, JSON.stringify(state, null, 2));
  return cluster;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { nodes: { type: 'string' }, config: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  const command = positionals[0] ?? 'help';
  const nodes = values.nodes ?? DEFAULT_NODES;
  switch (command) {
    case 'up': {
      await up(true, nodes, values.config);
      const s = readState() as State;
      say(`\nkubeconfig: ${s.kubeconfig}\n  export KUBECONFIG=${s.kubeconfig}\ngangplank metrics: http://127.0.0.1:${s.ports.ops}/metrics\nstop it with: npm run cluster -- down`);
      return;
    }
    case 'down':
      return down();
    case 'status': {
      const s = readState();
      if (!s) return say('no local cluster is recorded');
      for (const p of s.pids) say(`${p.name.padEnd(20)} pid ${String(p.pid).padEnd(8)} ${alive(p.pid) ? 'running' : 'exited '}  ${p.log}`);
      say(`kubeconfig: ${s.kubeconfig}`);
      return;
    }
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
    default:
      say('usage: npm run cluster -- up [--nodes "3x cpu=4,memory=16Gi"] [--config FILE] | down | status | demo [--keep]');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
