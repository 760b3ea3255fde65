// Create the objects of a multi-document YAML manifest through the API, as
// `kubectl create` would, for the objects the Helm chart renders and test
// fixtures.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { ApiError, type KubeClient } from '../../src/k8s/client.js';

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'CustomResourceDefinition',
  'PriorityClass',
  'NodeResourceTopology',
]);

export function readManifests(file: string): ManifestObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: ManifestObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    const obj = doc.toJS() as ManifestObject | null;
    if (obj) out.push(obj);
  }
  return out;
}

function plural(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  if (lower.endsWith('s')) return `${lower}es`;
  return `${lower}s`;
}

/** The collection path of an object's kind, e.g. /apis/apps/v1/namespaces/x/deployments. */
export function collectionPath(obj: Pick<ManifestObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const root = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  const ns = CLUSTER_SCOPED.has(obj.kind) ? '' : `/namespaces/${obj.metadata.namespace ?? 'default'}`;
  return `${root}${ns}/${plural(obj.kind)}`;
}

/** Create each object; an existing one is replaced (kept idempotent for `cluster up`). */
export async function applyObjects(client: KubeClient, objects: readonly ManifestObject[]): Promise<void> {
  for (const obj of objects) {
    const path = collectionPath(obj);
    try {
      await client.request({ method: 'POST', path, body: obj });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 409) throw err;
      const current = await client.request<ManifestObject>({ path: `${path}/${obj.metadata.name}` });
      await client.request({
        method: 'PUT',
        path: `${path}/${obj.metadata.name}`,
        body: { ...obj, metadata: { ...obj.metadata, resourceVersion: (current.metadata as { resourceVersion?: string }).resourceVersion } },
      });
    }
  }
}
