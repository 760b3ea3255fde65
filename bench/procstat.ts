// CPU seconds and resident memory of local processes, from /proc (Linux):
// utime + stime of /proc/PID/stat (fields 14 and 15, in clock ticks) and
// VmRSS / VmHWM of /proc/PID/status. A ProcWatcher samples RSS every
// `intervalMs` between start() and stop() so each benchmark run gets its own
// peak (VmHWM is the peak since the process started, across all runs).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system) a process has used so far, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after the closing parenthesis are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): utime is field 14 → rest[11], stime field 15 → rest[12].
    return (Number(rest[11]) + Number(rest[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Resident set now and at its peak (VmHWM), in bytes. */
export function memory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

export interface ProcFigures {
  readonly cpuSeconds: number;
  /** Highest VmRSS sampled while watched. */
  readonly peakRssBytes: number;
}

/** CPU and peak RSS of named processes over one interval. */
export class ProcWatcher {
  private readonly startCpu = new Map<string, number>();
  private readonly peak = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pids: Readonly<Record<string, number | undefined>>,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    for (const [name, pid] of Object.entries(this.pids)) {
      if (pid === undefined) continue;
      this.startCpu.set(name, cpuSeconds(pid) ?? 0);
      this.peak.set(name, memory(pid)?.rss ?? 0);
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      if (pid === undefined) continue;
      const rss = memory(pid)?.rss ?? 0;
      if (rss > (this.peak.get(name) ?? 0)) this.peak.set(name, rss);
    }
  }

  stop(): Record<string, ProcFigures> {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const out: Record<string, ProcFigures> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      if (pid === undefined) continue;
      out[name] = { cpuSeconds: (cpuSeconds(pid) ?? 0) - (this.startCpu.get(name) ?? 0), peakRssBytes: this.peak.get(name) ?? 0 };
    }
    return out;
  }
}
