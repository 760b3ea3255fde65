// A small JSON client for the API server. Everything Gangplank reads or
// writes stays plain JSON as it is on the wire (a typed client's deserialiser
// turns timestamps into Dates, which the webhook and extender never see in
// AdmissionReview or ExtenderArgs bodies; one shape everywhere keeps the pure
// code simple). Requests and watches go over one keep-alive agent per TLS
// identity; the connection comes from src/k8s/kubeconfig.ts, so the common
// paths never load @kubernetes/client-node (~75 MiB resident).
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { inClusterConnection, kubeconfigConnection, type Connection } from './kubeconfig.js';

export type { Connection } from './kubeconfig.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestSpec {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  /** For PATCH: merge (default), strategic or json. */
  patchType?: 'merge' | 'strategic' | 'json';
  timeoutMs?: number;
  /**
   * The caller does not read the answer: a successful response body is drained,
   * not parsed. A PATCH answers with the whole object (~10 KiB for a pod): a
   * writer that patches thousands of pods would otherwise parse them all.
   */
  discardBody?: boolean;
}

const patchContentTypes = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
} as const;

/** One event of a watch stream (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR). */
export interface WatchEvent<T = unknown> {
  readonly type: string;
  readonly object: T;
}

export interface WatchHandlers<T> {
  /** The API server accepted the watch (HTTP 200). */
  connected?(): void;
  event(e: WatchEvent<T>): void;
  /** The stream ended: `err` unset when the server closed it (its timeoutSeconds), set on an error or a refusal. */
  done(err?: Error): void;
}

export interface Watching {
  abort(): void;
}

export interface KubeClient {
  /** The API server's URL. */
  readonly server: string;
  request<T = unknown>(spec: RequestSpec): Promise<T>;
  /**
   * GET `path` as a watch (its query must carry watch=true): one JSON event per
   * line, handed over as it arrives, until the server ends the stream, the
   * socket is idle for `idleMs`, or abort().
   */
  watch<T = unknown>(path: string, handlers: WatchHandlers<T>, idleMs?: number): Watching;
}

/**
 * The connection: the given kubeconfig file, else in-cluster config (the
 * Service address from the environment), else ~/.kube/config.
 */
export function loadKubeConfig(file?: string, inCluster?: { host: string; port: string }): Connection {
  if (file) return kubeconfigConnection(file);
  if (inCluster) return inClusterConnection(inCluster.host, inCluster.port);
  return kubeconfigConnection(join(homedir(), '.kube', 'config'));
}

/**
 * One keep-alive agent per distinct TLS identity (client-node built a new
 * https.Agent for every request, so every call paid a TLS handshake: ~40 ms
 * per Binding on 2 busy cores). A rotated client certificate (exec plugins)
 * gets a new agent.
 */
function agentCache(): (opts: RequestOptions) => HttpsAgent {
  const agents = new Map<string, HttpsAgent>();
  return (opts) => {
    const material = [opts.ca, opts.cert, opts.key, opts.pfx, opts.servername, opts.rejectUnauthorized].map((v) => String(v ?? '')).join('\0');
    const key = createHash('sha256').update(material).digest('hex');
    let agent = agents.get(key);
    if (!agent) {
      if (agents.size > 8) {
        for (const a of agents.values()) a.destroy();
        agents.clear();
      }
      agent = new HttpsAgent({
        keepAlive: true,
        maxSockets: 32,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        servername: opts.servername,
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      });
      agents.set(key, agent);
    }
    return agent;
  };
}

export function createKubeClient(conn: Connection): KubeClient {
  const base = new URL(conn.server);
  const isHttps = base.protocol === 'https:';
  const tls: RequestOptions = {
    ...(conn.ca ? { ca: conn.ca } : {}),
    ...(conn.cert ? { cert: conn.cert } : {}),
    ...(conn.key ? { key: conn.key } : {}),
    ...(conn.serverName ? { servername: conn.serverName } : {}),
    ...(conn.insecure ? { rejectUnauthorized: false } : {}),
  };
  const agentFor = agentCache();
  const plainAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  const fixedAgent = isHttps ? agentFor(tls) : undefined;

  /** Options for one request: the agent, the bearer token as it is now, what client-node adds for exotic auth. */
  const options = async (method: string, path: string, timeoutMs: number): Promise<RequestOptions> => {
    const url = new URL(path, base);
    const opts: RequestOptions = { method, hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers: { accept: 'application/json' }, timeout: timeoutMs };
    const token = conn.token?.();
    if (token) opts.headers = { ...opts.headers, authorization: `Bearer ${token}` };
    if (conn.authenticate) {
      // client-node may add a client certificate (exec plugins): the agent follows the TLS material.
      Object.assign(opts, tls);
      await conn.authenticate(opts);
      if (isHttps) opts.agent = agentFor(opts);
    } else {
      // The agent carries the TLS material; the request needs none of its own.
      opts.agent = isHttps ? fixedAgent : plainAgent;
    }
    return opts;
  };
  const send = (opts: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest => (isHttps ? httpsRequest : httpRequest)(opts, onResponse);

  return {
    server: conn.server,
    async request<T>(spec: RequestSpec): Promise<T> {
      const method = spec.method ?? 'GET';
      const opts = await options(method, spec.path, spec.timeoutMs ?? 30_000);
      const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
      if (payload !== undefined) {
        opts.headers = {
          ...opts.headers,
          'content-type': method === 'PATCH' ? patchContentTypes[spec.patchType ?? 'merge'] : 'application/json',
          'content-length': Buffer.byteLength(payload),
        };
      }
      return new Promise<T>((resolve, reject) => {
        const req = send(opts, (res) => {
          const status0 = res.statusCode ?? 0;
          if (spec.discardBody && status0 >= 200 && status0 < 300) {
            res.on('end', () => resolve(undefined as T));
            res.on('error', reject);
            res.resume();
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = undefined;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              body = text;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve(body as T);
            } else {
              const st = (body ?? {}) as { reason?: string; message?: string };
              reject(new ApiError(status, st.reason ?? 'Unknown', `${method} ${spec.path}: ${status} ${st.message ?? text}`));
            }
          });
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${spec.path}: timed out`)));
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
    watch<T>(path: string, h: WatchHandlers<T>, idleMs = 10 * 60_000): Watching {
      let req: ClientRequest | undefined;
      let finished = false;
      let aborted = false;
      const finish = (err?: Error): void => {
        if (finished) return;
        finished = true;
        req?.destroy();
        if (!aborted) h.done(err);
      };
      void options('GET', path, idleMs).then(
        (opts) => {
          if (aborted) return;
          req = send(opts, (res) => {
            const status = res.statusCode ?? 0;
            if (status !== 200) {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let st: { reason?: string; message?: string } = {};
                try {
                  st = JSON.parse(text) as typeof st;
                } catch {
                  // not a Status
                }
                finish(new ApiError(status, st.reason ?? 'Unknown', `watch ${path}: ${status} ${st.message ?? text}`));
              });
              return;
            }
            h.connected?.();
            // Events are newline-delimited JSON; a chunk may end inside one.
            let pending: Buffer | undefined;
            res.on('data', (chunk: Buffer) => {
              let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
              let start = 0;
              for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
                if (nl > start) {
                  let e: WatchEvent<T> | undefined;
                  try {
                    e = JSON.parse(buf.toString('utf8', start, nl)) as WatchEvent<T>;
                  } catch {
                    // A line that is not JSON is not an event.
                  }
                  if (e && !aborted) h.event(e);
                }
                start = nl + 1;
              }
              buf = buf.subarray(start);
              pending = buf.length > 0 ? Buffer.from(buf) : undefined;
            });
            res.on('end', () => finish());
            res.on('error', (err) => finish(err));
            res.on('close', () => finish());
          });
          req.on('timeout', () => req?.destroy(new Error(`watch ${path}: no data for ${Math.round(idleMs / 1000)} s`)));
          req.on('error', (err) => finish(err));
          req.end();
        },
        (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
      );
      return {
        abort() {
          aborted = true;
          finish();
        },
      };
    },
  };
}
