// What a kubelet would do with one container of a Deployment the chart
// rendered, done on 127.0.0.1 without a container runtime: the pod's
// ConfigMap and Secret volumes are read from the API and written to a
// directory, the container's arguments are pointed at that directory instead
// of the mount paths, its environment is filled in (downward API included),
// and it talks to the API server under the pod's ServiceAccount, with a token
// from the TokenRequest API, as a projected token would let it.
//
// The harness maps images to local programs (Gangplank's image → this
// build's dist/src/main.js, kube-scheduler's → the kcp binary); everything
// else about the container (args, mounts, identity) is what the chart says.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient } from '../../src/k8s/client.js';
import type { ManifestObject } from './apply.js';
import { kubeconfigYaml } from './pki.js';

interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  securityContext?: Record<string, unknown>;
  ports?: { name?: string; containerPort: number }[];
}
interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
}
export interface PodSpec {
  serviceAccountName?: string;
  containers: Container[];
  volumes?: Volume[];
  securityContext?: Record<string, unknown>;
}

/** The pod template of a rendered Deployment. */
export function podTemplate(deployment: ManifestObject): { labels: Record<string, string>; spec: PodSpec } {
  const template = (deployment.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } } | undefined)?.template;
  if (!template?.spec) throw new Error(`Deployment ${deployment.metadata.name} has no pod template`);
  return { labels: template.metadata?.labels ?? {}, spec: template.spec };
}

export function container(deployment: ManifestObject, name: string): Container {
  const found = podTemplate(deployment).spec.containers.find((c) => c.name === name);
  if (!found) throw new Error(`Deployment ${deployment.metadata.name} has no container ${name}`);
  return found;
}

/** Replace each mount path in `value` by its local directory (longest path first, whole path segments only). */
export function rewriteMountPaths(value: string, mounts: ReadonlyMap<string, string>): string {
  let out = value;
  for (const [mountPath, local] of [...mounts].sort((a, b) => b[0].length - a[0].length)) {
    const escaped = mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`${escaped}(?=/|$|[,\\s])`, 'g'), local);
  }
  return out;
}

export interface PreparedContainer {
  /** The container's command and args, mount paths pointed at local directories. */
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly mounts: ReadonlyMap<string, string>;
  /** A kubeconfig for the pod's ServiceAccount (a bearer token). */
  readonly kubeconfig: string;
  readonly user: string;
}

export interface PrepareOptions {
  /** Admin client: reads volumes' sources and requests the token. */
  readonly client: KubeClient;
  readonly apiUrl: string;
  readonly caPem: string;
  readonly deployment: ManifestObject;
  readonly container: string;
  /** Where the pod's files go. */
  readonly dir: string;
  /** Pod name for the downward API. */
  readonly podName: string;
}

async function volumeFiles(client: KubeClient, namespace: string, volume: Volume): Promise<Record<string, Buffer>> {
  if (volume.configMap) {
    const cm = await client.request<{ data?: Record<string, string> }>({ path: `/api/v1/namespaces/${namespace}/configmaps/${volume.configMap.name}` });
    const data = cm.data ?? {};
    const items = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    return Object.fromEntries(items.map((i) => [i.path, Buffer.from(data[i.key] ?? '', 'utf8')]));
  }
  if (volume.secret) {
    const secret = await client.request<{ data?: Record<string, string> }>({ path: `/api/v1/namespaces/${namespace}/secrets/${volume.secret.secretName}` });
    const data = secret.data ?? {};
    const items = volume.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    return Object.fromEntries(items.map((i) => [i.path, Buffer.from(data[i.key] ?? '', 'base64')]));
  }
  throw new Error(`volume ${volume.name}: only configMap and secret volumes are supported by the local harness`);
}

/** A token for `namespace/name`, as the kubelet's projected service-account volume would hold. */
export async function serviceAccountToken(client: KubeClient, namespace: string, name: string, seconds = 7 * 24 * 3600): Promise<string> {
  const res = await client.request<{ status?: { token?: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: seconds } },
  });
  const token = res.status?.token;
  if (!token) throw new Error(`no token for ServiceAccount ${namespace}/${name}`);
  return token;
}

export async function prepareContainer(opts: PrepareOptions): Promise<PreparedContainer> {
  const { deployment } = opts;
  const namespace = deployment.metadata.namespace ?? 'default';
  const { spec } = podTemplate(deployment);
  const c = container(deployment, opts.container);
  const sa = spec.serviceAccountName ?? 'default';
  mkdirSync(opts.dir, { recursive: true });

  const mounts = new Map<string, string>();
  for (const m of c.volumeMounts ?? []) {
    const volume = (spec.volumes ?? []).find((v) => v.name === m.name);
    if (!volume) throw new Error(`container ${c.name} mounts ${m.name}, which the pod does not define`);
    const local = join(opts.dir, 'volumes', m.name);
    mkdirSync(local, { recursive: true });
    for (const [file, content] of Object.entries(await volumeFiles(opts.client, namespace, volume))) {
      writeFileSync(join(local, file), content, { mode: 0o600 });
    }
    mounts.set(m.mountPath, m.subPath ? join(local, m.subPath) : local);
  }

  const token = await serviceAccountToken(opts.client, namespace, sa);
  const user = `system:serviceaccount:${namespace}:${sa}`;
  const kubeconfig = join(opts.dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(opts.apiUrl, opts.caPem, user, { token }), { mode: 0o600 });

  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const path = e.valueFrom?.fieldRef?.fieldPath;
    if (path === 'metadata.namespace') env[e.name] = namespace;
    else if (path === 'metadata.name') env[e.name] = opts.podName;
    else if (e.value !== undefined) env[e.name] = e.value;
  }
  const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => rewriteMountPaths(a, mounts));
  return { argv, env, mounts, kubeconfig, user };
}
