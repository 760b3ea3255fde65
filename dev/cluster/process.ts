// Child processes of a local cluster: spawned with their output in a log
// file, tracked so that none outlives the test or demo that started it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, openSync, closeSync, readFileSync, existsSync } from 'node:fs';

/**
 * What `cluster up` writes to its state file for each process: enough for a
 * later `cluster down` to recognise it (pid and command line: pids wrap, and
 * a recorded pid may by then be an unrelated process) and for
 * `cluster restart` to start it again the same way.
 */
export interface ProcessRecord {
  readonly name: string;
  readonly pid: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  /** The extra environment it was started with (over the starter's own). */
  readonly env?: Readonly<Record<string, string>>;
  /** A URL that answers 200 once the process is ready (Gangplank: its ops /readyz). */
  readonly readyUrl?: string;
}

export interface ManagedProcess extends ProcessRecord {
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
  /** Extra environment variables, over this process's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** Outlive this process (for `cluster up`); not tracked for killAll. */
  readonly detached?: boolean;
  /** Recorded for `cluster restart`, which waits for it to answer 200. */
  readonly readyUrl?: string;
}

export function startProcess(opts: StartOptions): ManagedProcess {
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(opts.command, [...opts.args], {
    stdio: ['ignore', fd, fd],
    cwd: opts.cwd,
    // Without `env`, spawn passes this process's environment; with it, only
    // what it is given, so the extra variables go over our own (PATH etc.).
    // eslint-disable-next-line no-restricted-properties -- the dev harness, not the shipped program (the one-config-module rule, docs/architecture.md, is about src/)
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
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
    command: opts.command,
    args: [...opts.args],
    logFile: opts.logFile,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.env !== undefined ? { env: { ...opts.env } } : {}),
    ...(opts.readyUrl !== undefined ? { readyUrl: opts.readyUrl } : {}),
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

/** The state-file record of a process (plain data, no handles). */
export function processRecord(p: ProcessRecord): ProcessRecord {
  return {
    name: p.name,
    pid: p.pid,
    command: p.command,
    args: [...p.args],
    logFile: p.logFile,
    ...(p.cwd !== undefined ? { cwd: p.cwd } : {}),
    ...(p.env !== undefined ? { env: { ...p.env } } : {}),
    ...(p.readyUrl !== undefined ? { readyUrl: p.readyUrl } : {}),
  };
}

/**
 * The argv of process `pid` as the kernel holds it, or undefined when there
 * is no such process or it has exited and not been reaped (empty cmdline).
 * Linux: /proc/PID/cmdline, NUL-separated and exact. Elsewhere `ps`, whose
 * space-joined output is compared joined the same way.
 */
/** Linux: exact argv from /proc. Elsewhere only `ps`'s space-joined text. */
const EXACT_ARGV = existsSync('/proc/self/cmdline');

export function commandLine(pid: number): readonly string[] | undefined {
  if (EXACT_ARGV) {
    let raw: string;
    try {
      raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return undefined;
    }
    if (raw === '') return undefined;
    return raw.replace(/\0$/, '').split('\0');
  }
  try {
    const out = execFileSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out === '' ? undefined : [out];
  } catch {
    return undefined; // ps exits 1 when no process has that pid
  }
}

/** Whether a recorded pid is still the recorded process. */
export type Identity =
  | { readonly state: 'running' }
  | { readonly state: 'gone' }
  /** The pid now belongs to another program; never signal it. */
  | { readonly state: 'other'; readonly commandLine: string };

export function identify(
  record: Pick<ProcessRecord, 'pid' | 'command' | 'args'>,
  read: (pid: number) => readonly string[] | undefined = commandLine,
  exact = EXACT_ARGV,
): Identity {
  // pid 0 and negative pids signal process groups; a state file must never make us do that.
  if (!Number.isInteger(record.pid) || record.pid <= 0) return { state: 'other', commandLine: `(invalid pid ${String(record.pid)})` };
  const actual = read(record.pid);
  if (actual === undefined) return { state: 'gone' };
  const want = [record.command, ...record.args];
  const same = exact ? actual.length === want.length && actual.every((a, i) => a === want[i]) : actual.join(' ') === want.join(' ');
  return same ? { state: 'running' } : { state: 'other', commandLine: actual.join(' ') };
}

/** Signal a recorded process only if its pid still runs the recorded command line. */
export function signalRecorded(record: ProcessRecord, signal: NodeJS.Signals): Identity {
  const who = identify(record);
  if (who.state !== 'running') return who;
  try {
    process.kill(record.pid, signal);
  } catch {
    return { state: 'gone' }; // exited between the check and the signal
  }
  return who;
}

/**
 * Stop recorded processes (SIGTERM, then SIGKILL after `graceMs`), each only
 * while its pid still runs its recorded command line. Returns what was found
 * for each before signalling, so the caller can say which pids it left alone.
 */
export async function stopRecorded(records: readonly ProcessRecord[], graceMs = 10_000): Promise<Identity[]> {
  const found = records.map((r) => signalRecorded(r, 'SIGTERM'));
  const ours = records.filter((_, i) => found[i]?.state === 'running');
  const deadline = Date.now() + graceMs;
  while (ours.some((r) => identify(r).state === 'running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const r of ours) signalRecorded(r, 'SIGKILL');
  while (ours.some((r) => identify(r).state === 'running') && Date.now() < deadline + 5_000) await new Promise((r) => setTimeout(r, 50));
  return found;
}

/** GET `url` and resolve true on HTTP 200 (a readiness probe). */
export async function answers200(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Start a recorded process again as `cluster up` started it (same command,
 * arguments and log file, appended to; detached) and wait for its readyUrl
 * when it has one. Returns the new process.
 */
export async function respawn(record: ProcessRecord, readyTimeoutMs = 60_000): Promise<ManagedProcess> {
  const p = startProcess({
    name: record.name,
    command: record.command,
    args: record.args,
    logFile: record.logFile,
    ...(record.cwd !== undefined ? { cwd: record.cwd } : {}),
    ...(record.env !== undefined ? { env: record.env } : {}),
    ...(record.readyUrl !== undefined ? { readyUrl: record.readyUrl } : {}),
    detached: true,
  });
  const url = record.readyUrl;
  if (url !== undefined) {
    // waitFor retries a probe that throws, so an early exit is raced instead
    // of waited out to the time-out.
    let done = false;
    const died = p.exited.then((code) => {
      if (!done) throw new Error(`${record.name} exited (${code}) before ${url} answered 200; log ${record.logFile}:\n${p.tail()}`);
    });
    try {
      await Promise.race([waitFor(`${record.name} ${url}`, () => answers200(url), readyTimeoutMs, () => p.tail(), 200), died]);
    } finally {
      done = true;
    }
  }
  return p;
}
