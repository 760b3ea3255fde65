// `cluster down` and `cluster restart` act on pids from a state file written
// earlier; by then a pid may belong to another program (pids wrap). These
// tests use real processes: a recorded pid is signalled only while it still
// runs the recorded command line.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandLine, identify, processRecord, respawn, signalRecorded, startProcess, stopRecorded, type ManagedProcess } from '../../../dev/cluster/process.js';

const dir = mkdtempSync(join(tmpdir(), 'gp-proc-'));
const started: ManagedProcess[] = [];
const detachedPids: number[] = [];

function sleeper(seconds = '30'): ManagedProcess {
  const p = startProcess({ name: 'sleeper', command: 'sleep', args: [seconds], logFile: join(dir, 'sleep.log') });
  started.push(p);
  return p;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  for (const p of started.splice(0)) await p.kill();
  // respawn detaches (a new process group, as `cluster up` does): kill the group, the shell and its sleep.
  for (const pid of detachedPids.splice(0)) if (alive(pid)) process.kill(-pid, 'SIGKILL');
});

describe('recorded processes', () => {
  it('reads the exact argv of a running process', () => {
    const p = sleeper('31');
    expect(commandLine(p.pid)).toEqual(['sleep', '31']);
  });

  it('recognises a recorded process by pid and command line, node included (Gangplank runs under node)', () => {
    const s = sleeper();
    expect(identify(processRecord(s))).toEqual({ state: 'running' });
    const n = startProcess({ name: 'gangplank-webhook', command: process.execPath, args: ['-e', 'setTimeout(() => {}, 30000)', 'serve'], logFile: join(dir, 'node.log') });
    started.push(n);
    expect(identify(processRecord(n))).toEqual({ state: 'running' });
  });

  it('refuses to signal a pid whose command line differs from the record, and leaves it running', async () => {
    const p = sleeper();
    const stale = { ...processRecord(p), command: 'kube-apiserver', args: ['--secure-port=6443'] };
    expect(identify(stale)).toEqual({ state: 'other', commandLine: 'sleep 30' });
    expect(signalRecorded(stale, 'SIGTERM')).toEqual({ state: 'other', commandLine: 'sleep 30' });
    const found = await stopRecorded([stale], 200);
    expect(found).toEqual([{ state: 'other', commandLine: 'sleep 30' }]);
    expect(p.isRunning()).toBe(true);
    expect(alive(p.pid)).toBe(true);
  });

  it('refuses the same program with other arguments (another run of the same binary)', () => {
    const p = sleeper();
    expect(identify({ ...processRecord(p), args: ['31'] }).state).toBe('other');
  });

  it('compares argv exactly where /proc gives it, and as ps prints it (space-joined) elsewhere', () => {
    const record = { pid: 42, command: 'node', args: ['main.js', 'serve'] };
    expect(identify(record, () => ['node', 'main.js serve'], true).state).toBe('other');
    expect(identify(record, () => ['node', 'main.js', 'serve'], true).state).toBe('running');
    expect(identify(record, () => ['node main.js serve'], false).state).toBe('running');
    expect(identify(record, () => ['node main.js serve --debug'], false).state).toBe('other');
    expect(identify(record, () => undefined, true).state).toBe('gone');
  });

  it('never signals pid 0 or a negative pid (process groups), whatever the state file says', () => {
    for (const pid of [0, -1]) expect(signalRecorded({ name: 'x', pid, command: 'sleep', args: ['30'], logFile: '/dev/null' }, 'SIGTERM').state).toBe('other');
  });

  it('stops a process whose record matches, and then reports it gone', async () => {
    const p = sleeper();
    const record = processRecord(p);
    const found = await stopRecorded([record], 5_000);
    expect(found).toEqual([{ state: 'running' }]);
    expect(await p.exited).toBe('SIGTERM');
    expect(identify(record)).toEqual({ state: 'gone' });
  });

  it('escalates to SIGKILL when a matching process ignores SIGTERM', async () => {
    const p = startProcess({ name: 'stubborn', command: process.execPath, args: ['-e', "process.on('SIGTERM', () => {}); setTimeout(() => {}, 30000)"], logFile: join(dir, 'stubborn.log') });
    started.push(p);
    // Wait for the handler to be installed before signalling.
    await new Promise((r) => setTimeout(r, 300));
    await stopRecorded([processRecord(p)], 300);
    expect(await p.exited).toBe('SIGKILL');
  });

  it('records command, args, log file, environment and readiness URL as plain data', () => {
    const p = startProcess({ name: 'gangplank-extender', command: 'sleep', args: ['30'], logFile: join(dir, 'x.log'), env: { KUBECONFIG: '/k' }, readyUrl: 'http://127.0.0.1:1/readyz' });
    started.push(p);
    const record = processRecord(p);
    expect(JSON.parse(JSON.stringify(record))).toEqual({ name: 'gangplank-extender', pid: p.pid, command: 'sleep', args: ['30'], logFile: join(dir, 'x.log'), env: { KUBECONFIG: '/k' }, readyUrl: 'http://127.0.0.1:1/readyz' });
  });

  describe('respawn', () => {
    let server: Server | undefined;
    afterEach(() => {
      server?.close();
      server = undefined;
    });

    it('starts the recorded command again, detached, with its environment and log file, and waits for its readyUrl', async () => {
      let ready = false;
      server = createServer((_req, res) => {
        res.statusCode = ready ? 200 : 503;
        res.end();
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
      setTimeout(() => (ready = true), 500);
      const logFile = join(dir, 'respawn.log');
      const t = Date.now();
      const p = await respawn({ name: 'gangplank-webhook', pid: 1, command: 'sh', args: ['-c', 'echo "run $MARK"; sleep 30'], logFile, env: { MARK: 'again' }, readyUrl: url });
      detachedPids.push(p.pid);
      expect(Date.now() - t).toBeGreaterThanOrEqual(400);
      expect(p.pid).not.toBe(1);
      expect(identify(processRecord(p))).toEqual({ state: 'running' });
      expect(readFileSync(logFile, 'utf8')).toContain('run again');
    });

    it('fails with the log tail when the process exits before it is ready', async () => {
      const logFile = join(dir, 'dies.log');
      await expect(respawn({ name: 'gangplank-extender', pid: 1, command: 'sh', args: ['-c', 'echo cannot start; exit 3'], logFile, readyUrl: 'http://127.0.0.1:9/readyz' }, 5_000)).rejects.toThrow(/gangplank-extender exited[\s\S]*cannot start/);
    });
  });
});
