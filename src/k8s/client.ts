// A small JSON client over the kubeconfig's transport. Everything Gangplank
// reads or writes stays plain JSON as it is on the wire (the typed client's
// deserialiser turns timestamps into Dates, which the webhook and extender
// never see in AdmissionReview or ExtenderArgs bodies; one shape everywhere
// keeps the pure code simple).
import { KubeConfig } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';

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
}

const patchContentTypes = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
} as const;

export interface KubeClient {
  readonly kubeConfig: KubeConfig;
  request<T = unknown>(spec: RequestSpec): Promise<T>;
}

/** Load a kubeconfig: the given file, else in-cluster, else the default locations. */
export function loadKubeConfig(file?: string, inCluster = false): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else if (inCluster) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/**
 * client-node builds a new https.Agent for every request, so every call would
 * pay a TLS handshake (measured: ~40 ms per Binding on 2 busy cores). We keep
 * one keep-alive agent per distinct TLS identity instead; a rotated client
 * certificate gets a new agent. Proxy agents are left as client-node made them.
 */
function agentCache(): (opts: RequestOptions) => void {
  const agents = new Map<string, HttpsAgent>();
  return (opts) => {
    if (!opts.agent || (opts.agent as object).constructor !== HttpsAgent) return;
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
    opts.agent = agent;
  };
}

export function createKubeClient(kc: KubeConfig): KubeClient {
  const shareAgent = agentCache();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const base = new URL(cluster.server);
  const isHttps = base.protocol === 'https:';
  return {
    kubeConfig: kc,
    async request<T>(spec: RequestSpec): Promise<T> {
      const url = new URL(spec.path, base);
      const opts: RequestOptions = {
        method: spec.method ?? 'GET',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: { accept: 'application/json' },
        timeout: spec.timeoutMs ?? 30_000,
      };
      await kc.applyToHTTPSOptions(opts);
      if (isHttps) shareAgent(opts);
      const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
      if (payload !== undefined) {
        opts.headers = {
          ...opts.headers,
          'content-type': spec.method === 'PATCH' ? patchContentTypes[spec.patchType ?? 'merge'] : 'application/json',
          'content-length': Buffer.byteLength(payload),
        };
      }
      return new Promise<T>((resolve, reject) => {
        const req = (isHttps ? httpsRequest : httpRequest)(opts, (res) => {
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
              reject(new ApiError(status, st.reason ?? 'Unknown', `${spec.method ?? 'GET'} ${spec.path}: ${status} ${st.message ?? text}`));
            }
          });
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`${spec.method ?? 'GET'} ${spec.path}: timed out`)));
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
  };
}
