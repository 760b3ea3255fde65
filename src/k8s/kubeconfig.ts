// Where the API server is and how to authenticate to it, without
// @kubernetes/client-node on the common paths: loading that package (its
// KubeConfig pulls in the whole generated API) costs ~75 MiB of resident
// memory, more than a third of the extender's budget at 50,000 pods (issue
// 13, bench/RESULTS.md). Gangplank needs two sources: a kubeconfig file
// (--kubeconfig, KUBECONFIG) whose user authenticates with a client
// certificate or a bearer token (inline or a file), and in-cluster config
// (the pod's ServiceAccount token, re-read as the kubelet rotates it). A
// kubeconfig whose user needs anything else (an exec credential plugin, an
// auth provider, basic auth) is handed to client-node's KubeConfig, loaded
// only then.
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';

export interface Connection {
  /** https://host:port (or http:// for tests). */
  readonly server: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly insecure?: boolean;
  readonly serverName?: string;
  /** The bearer token now (file-backed tokens are re-read: the kubelet rotates them). */
  readonly token?: () => string | undefined;
  /** Authentication only client-node knows (exec plugins, auth providers): applied to each request. */
  readonly authenticate?: (opts: RequestOptions) => Promise<void>;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** client-go re-reads a token file at most once a minute. */
const TOKEN_REREAD_MS = 60_000;

/** A token read from a file, cached for a minute. */
function tokenFile(path: string, now: () => number = Date.now): () => string | undefined {
  let value: string | undefined;
  let at = -Infinity;
  return () => {
    if (now() - at >= TOKEN_REREAD_MS) {
      try {
        value = readFileSync(path, 'utf8').trim();
        at = now();
      } catch {
        // Keep the last token: a rotation may be in progress.
      }
    }
    return value;
  };
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name: string; cluster?: Record<string, unknown> }[];
  users?: { name: string; user?: Record<string, unknown> }[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** In-cluster config: the Service's address from the environment, the pod's ServiceAccount token and CA. */
export function inClusterConnection(host: string, port: string, dir = SA_DIR): Connection {
  const h = host.includes(':') ? `[${host}]` : host;
  return { server: `https://${h}:${port}`, ca: readFileSync(`${dir}/ca.crt`, 'utf8'), token: tokenFile(`${dir}/token`) };
}

/** The current context of a kubeconfig file. */
export function kubeconfigConnection(file: string): Connection {
  const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
  const base = dirname(file);
  const path = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const pem = (data: unknown, ref: unknown): string | undefined => {
    const d = str(data);
    if (d) return Buffer.from(d, 'base64').toString('utf8');
    const f = str(ref);
    return f ? readFileSync(path(f), 'utf8') : undefined;
  };
  const ctxName = doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${file}: no current context`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  const server = str(cluster?.server);
  if (!cluster || !server) throw new Error(`kubeconfig ${file}: context ${ctxName} has no cluster with a server`);
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const ca = pem(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const tls = {
    server,
    ...(ca ? { ca } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecure: true } : {}),
    ...(str(cluster['tls-server-name']) ? { serverName: str(cluster['tls-server-name']) } : {}),
  };
  const exotic = ['exec', 'auth-provider', 'username', 'password', 'as', 'as-groups'].some((k) => user[k] !== undefined);
  if (exotic) return { ...tls, authenticate: clientNodeAuth(file) };
  const cert = pem(user['client-certificate-data'], user['client-certificate']);
  const key = pem(user['client-key-data'], user['client-key']);
  const token = str(user.token);
  const file_ = str(user.tokenFile);
  return {
    ...tls,
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(token ? { token: () => token } : file_ ? { token: tokenFile(path(file_)) } : {}),
  };
}

/** client-node's KubeConfig for the authentication we do not implement, imported on first use only. */
function clientNodeAuth(file: string): (opts: RequestOptions) => Promise<void> {
  let kc: Promise<{ applyToHTTPSOptions(o: RequestOptions): Promise<void> }> | undefined;
  return async (opts) => {
    kc ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const c = new KubeConfig();
      c.loadFromFile(file);
      return c;
    });
    await (await kc).applyToHTTPSOptions(opts);
  };
}
