// autocannon in a child process, so the load generator never shares the
// server's event loop (or its garbage collector): the server under test runs
// in the benchmark's own process, autocannon's CLI in another, and the OS
// can give each a core. Results come back as autocannon's --json summary.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runNodeChild } from './child.js';

export interface LoadOptions {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  /** A file holding the request body (sent as is on every request). */
  readonly bodyFile?: string;
  readonly headers?: Record<string, string>;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second across all connections (autocannon's overallRate); unset: as fast as possible. */
  readonly overallRate?: number;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  readonly total: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

function cliPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');
}

export async function autocannon(options: LoadOptions): Promise<LoadResult> {
  const args = [cliPath(), '--json', '--no-progress', '-c', String(options.connections), '-d', String(options.durationSeconds), '-m', options.method ?? 'GET'];
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}=${v}`);
  if (options.bodyFile) args.push('-i', options.bodyFile);
  if (options.overallRate !== undefined) args.push('-R', String(options.overallRate));
  args.push(options.url);
  const out = await runNodeChild('autocannon', args);
  let j: AutocannonJson;
  try {
    j = JSON.parse(out) as AutocannonJson;
  } catch (e) {
    throw new Error(`cannot parse autocannon output: ${String(e)}: ${out.slice(0, 200)}`);
  }
  return {
    requestsPerSecond: j.requests.average,
    latencyMs: { p50: j.latency.p50, p90: j.latency.p90, p99: j.latency.p99, max: j.latency.max, mean: j.latency.average },
    total: j.requests.total,
    non2xx: j.non2xx,
    errors: j.errors,
    timeouts: j.timeouts,
  };
}
