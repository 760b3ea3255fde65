// Child processes of a local cluster: spawned with their output in a log
// file, tracked so that none outlives the test or demo that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, openSync, closeSync, readFileSync, existsSync } from 'node:fs';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a crash), and wait for the exit. */
  kill(): Promise<void>;
  /** The last `lines` of the log, for error messages. */
  tail(lines?: number): string;
}

const live = new Set<ChildProcess>();
let pidFile: string | undefined;

/** Record the pid of every tracked process in `file` (one per line). */
export function recordPidsIn(file: string | undefined): void {
  pidFile = file;
}
let hooked = false;

/** Kill every process this module started that is still running (sync: safe in 'exit'). */
export function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.kill(process.pid, sig);
    });
  }
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  /** Outlive this process (for `cluster up`); not tracked for killAll. */
  readonly detached?: boolean;
}

export function startProcess(opts: StartOptions): ManagedProcess {
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(opts.command, [...opts.args], {
    stdio: ['ignore', fd, fd],
    cwd: opts.cwd,
    detached: opts.detached ?? false,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${opts.name}: failed to start ${opts.command}`);
  if (opts.detached) {
    child.unref();
  } else {
    hookExit();
    live.add(child);
    // A test runner that dies hard skips 'exit' handlers; its global teardown
    // kills what this file lists (see test/e2e/global-setup.ts).
    if (pidFile) appendFileSync(pidFile, `${child.pid}\n`);
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const tail = (lines = 30): string => {
    if (!existsSync(opts.logFile)) return '';
    return readFileSync(opts.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  };
  return {
    name: opts.name,
    pid: child.pid,
    logFile: opts.logFile,
    exited,
    isRunning: () => running,
    tail,
    async kill() {
      if (!running) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Poll `probe` until it returns true; fail with `describe()` after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string = () => '',
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      lastErr = String(err);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}\n${describe()}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Kill a process by pid if it is alive (for `cluster down`). */
export function killPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
