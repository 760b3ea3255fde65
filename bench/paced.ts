// An open-loop load generator at a fixed rate, in a child process.
//
// autocannon's overallRate is not a steady rate: each connection sends
// back-to-back until it has made its share for the current second, then
// waits for the next one-second tick (lib/httpClient.js, reqsMadeThisSecond),
// so "1,000/s" arrives as a burst of 1,000 at the top of every second. That
// measures a burst, not a server under 1,000 reviews/s. This generator sends
// request i at start + i/rate (one timer tick per millisecond, all requests
// due by then), over keep-alive HTTPS connections. Two latencies per request:
// from the moment it was handed to the client (the server's answer time, any
// wait for a free connection included: a server that falls behind is charged
// for the queue), and from the moment it was due (adds the generator's own
// timer lateness, up to about a millisecond per tick).
//
// Run in its own process (`node paced.js --paced-child <json>`), like
// autocannon, so the generator never shares the server's event loop.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { runNodeChild } from './child.js';
import { nearestRank } from './quantile.js';

export interface PacedOptions {
  readonly url: string;
  readonly bodyFile: string;
  readonly rate: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly connections: number;
}

export interface PacedResult {
  readonly rate: number;
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** From handing the request to the HTTP client to the end of the answer. */
  readonly latencyMs: Quantiles;
  /** From the time the request was due (open-loop schedule) to the end of the answer. */
  readonly fromDueMs: Quantiles;
}

export interface Quantiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export async function paced(options: PacedOptions): Promise<PacedResult> {
  const out = await runNodeChild('paced load generator', [fileURLToPath(import.meta.url), '--paced-child', JSON.stringify(options)]);
  return JSON.parse(out) as PacedResult;
}

function quantile(sorted: number[], q: number): number {
  return nearestRank(sorted, q) ?? 0;
}

async function runChild(options: PacedOptions): Promise<PacedResult> {
  const body = readFileSync(options.bodyFile);
  const url = new URL(options.url);
  // The benchmark's server has a throw-away self-signed certificate.
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, rejectUnauthorized: false });
  const latencies: number[] = [];
  const fromDue: number[] = [];
  let ok = 0;
  let failed = 0;
  let sent = 0;
  const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
  const start = nowMs();
  const recordFrom = start + options.warmupSeconds * 1000;
  const end = recordFrom + options.seconds * 1000;
  const total = Math.round(((end - start) / 1000) * options.rate);

  const fire = (due: number): Promise<void> =>
    new Promise((done) => {
      const sentAt = nowMs();
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (due >= recordFrom) {
              if (res.statusCode === 200) {
                ok++;
                const t = nowMs();
                latencies.push(t - sentAt);
                fromDue.push(t - due);
              } else failed++;
            }
            done();
          });
        },
      );
      req.on('error', () => {
        if (due >= recordFrom) failed++;
        done();
      });
      req.end(body);
    });

  const inflight = new Set<Promise<void>>();
  await new Promise<void>((finished) => {
    const tick = (): void => {
      const now = nowMs();
      while (sent < total && start + (sent * 1000) / options.rate <= now) {
        const p = fire(start + (sent * 1000) / options.rate);
        inflight.add(p);
        void p.then(() => inflight.delete(p));
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else finished();
    };
    tick();
  });
  await Promise.all(inflight);
  agent.destroy();
  const round = (x: number): number => Math.round(x * 100) / 100;
  const quantiles = (xs: number[]): Quantiles => {
    xs.sort((a, b) => a - b);
    return {
      p50: round(quantile(xs, 0.5)),
      p90: round(quantile(xs, 0.9)),
      p99: round(quantile(xs, 0.99)),
      max: round(xs[xs.length - 1] ?? 0),
      mean: round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)),
    };
  };
  return {
    rate: options.rate,
    sent: total - Math.round(options.warmupSeconds * options.rate),
    ok,
    failed,
    latencyMs: quantiles(latencies),
    fromDueMs: quantiles(fromDue),
  };
}

// Only when started as the child by paced() above; importing this module does nothing.
if (process.argv[2] === '--paced-child') {
  runChild(JSON.parse(process.argv[3] ?? '{}') as PacedOptions).then(
    (r) => process.stdout.write(JSON.stringify(r)),
    (err: unknown) => {
      process.stderr.write(String(err));
      process.exitCode = 1;
    },
  );
}
