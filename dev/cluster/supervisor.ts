// A container as the kubelet runs it under restartPolicy Always: when its
// process exits on its own (kube-scheduler exits when it loses its leader
// Lease, for instance), it is started again after a short back-off. A
// deliberate stop or kill is not restarted.
import type { ManagedProcess } from './process.js';

export class Supervised {
  private proc: ManagedProcess | undefined;
  private stopped = true;
  /** How many times the process was restarted after exiting on its own. */
  restarts = 0;

  constructor(
    readonly name: string,
    private readonly spawn: () => Promise<ManagedProcess>,
    private readonly log: (msg: string) => void,
    private readonly backoffMs = 1_000,
  ) {}

  async start(): Promise<ManagedProcess> {
    this.stopped = false;
    const p = await this.spawn();
    this.proc = p;
    this.watch(p);
    return p;
  }

  current(): ManagedProcess | undefined {
    return this.proc;
  }

  /** Stop for good (SIGTERM with a grace period, or SIGKILL as a crash would). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    this.stopped = true;
    const p = this.proc;
    if (!p) return;
    if (signal === 'SIGKILL') await p.kill();
    else await p.stop(10_000);
  }

  private watch(p: ManagedProcess): void {
    void p.exited.then(async (code) => {
      if (this.stopped || this.proc !== p) return;
      this.log(`${this.name} exited (${String(code)}); restarting it as the kubelet would`);
      // Back off and retry until it starts (preparing it may need the API
      // server, which may be the very thing that is down), doubling to 10 s.
      for (let delay = this.backoffMs; ; delay = Math.min(delay * 2, 10_000)) {
        await new Promise((r) => setTimeout(r, delay));
        if (this.stopped || this.proc !== p) return;
        try {
          const next = await this.spawn();
          this.restarts++;
          this.proc = next;
          this.watch(next);
          return;
        } catch (err) {
          this.log(`${this.name} could not be restarted yet: ${String(err)}`);
        }
      }
    });
  }
}
