// The load side of the extender's HTTP benchmark, run as a child process
// (fork with IPC) so it never shares the server's event loop or garbage
// collector. Requests are sequential on one keep-alive connection: that is
// how kube-scheduler calls an extender (one pod per scheduling cycle, each
// verb after the previous one answered), so per-call latency is the figure
// that bounds the scheduler's throughput. Times are taken with hrtime from
// the first byte written to the last byte read.
import { Agent, request } from 'node:http';

export interface ClientCase {
  readonly name: string;
  /** Filter body; `__I__` is replaced by the iteration number (fresh drivers). */
  readonly filterBody: string;
  /** Prioritize body (same shape). */
  readonly prioritizeBody: string;
  /** After both calls, ask the parent to release this gang key (`__I__` replaced) before the next iteration. */
  readonly releaseKey?: string;
}

export interface ClientJob {
  readonly url: string;
  readonly warmup: number;
  readonly iterations: number;
  readonly cases: readonly ClientCase[];
}

export type ClientResult = Record<string, { filter: number[]; prioritize: number[]; filterBytes: number; prioritizeBytes: number }>;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(url: string, body: string): Promise<{ ms: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes, status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function askRelease(key: string): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', () => resolve());
    process.send?.({ type: 'release', key });
  });
}

async function run(job: ClientJob): Promise<ClientResult> {
  const out: ClientResult = {};
  for (const c of job.cases) out[c.name] = { filter: [], prioritize: [], filterBytes: 0, prioritizeBytes: 0 };
  for (let i = 0; i < job.warmup + job.iterations; i++) {
    for (const c of job.cases) {
      const f = await post(`${job.url}/filter`, c.filterBody.replaceAll('__I__', String(i)));
      const p = await post(`${job.url}/prioritize`, c.prioritizeBody.replaceAll('__I__', String(i)));
      if (f.status !== 200 || p.status !== 200) throw new Error(`${c.name}: HTTP ${f.status}/${p.status}`);
      if (c.releaseKey) await askRelease(c.releaseKey.replaceAll('__I__', String(i)));
      if (i < job.warmup) continue;
      const r = out[c.name] as ClientResult[string];
      r.filter.push(f.ms);
      r.prioritize.push(p.ms);
      r.filterBytes = f.bytes;
      r.prioritizeBytes = p.bytes;
    }
  }
  return out;
}

process.once('message', (job: ClientJob) => {
  run(job).then(
    (result) => {
      process.send?.({ type: 'done', result }, () => process.exit(0));
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
