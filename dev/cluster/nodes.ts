// Fake nodes: created through the API with capacity and allocatable set,
// no kubelet, no taints. A compact description makes N alike nodes:
//   "3x cpu=8,memory=32Gi" or "gpu-0 cpu=16,memory=64Gi,nvidia.com/gpu=4 numa=2"
import type { V1Node } from '@kubernetes/client-node';
import type { KubeClient } from '../../src/k8s/client.js';

export interface NodeSpec {
  readonly name: string;
  readonly resources: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

const LINE = /^(?:(\d+)x|([a-z0-9][-a-z0-9.]*))\s+(\S+)(?:\s+(.*))?$/;

/**
 * Parse a compact description, one group per line or `;`:
 * `<count>x <res>` names nodes `<prefix>-<i>`; `<name> <res>` names one node.
 * Optional trailing `key=value` words become labels.
 */
export function parseNodeSpecs(description: string, prefix = 'node'): NodeSpec[] {
  const out: NodeSpec[] = [];
  let index = 0;
  for (const raw of description.split(/[;\n]/)) {
    const line = raw.trim();
    if (!line) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`bad node description ${JSON.stringify(line)}: want "<count>x cpu=..,memory=.." or "<name> cpu=..,..."`);
    const resources: Record<string, string> = { pods: '110' };
    for (const kv of (m[3] as string).split(',')) {
      const [k, v] = kv.split('=');
      if (!k || !v) throw new Error(`bad resource ${JSON.stringify(kv)} in ${JSON.stringify(line)}`);
      resources[k] = v;
    }
    const labels: Record<string, string> = {};
    for (const kv of (m[4] ?? '').split(/\s+/).filter(Boolean)) {
      const [k, v] = kv.split('=');
      if (!k || v === undefined) throw new Error(`bad label ${JSON.stringify(kv)} in ${JSON.stringify(line)}`);
      labels[k] = v;
    }
    const count = m[1] ? Number(m[1]) : 1;
    for (let i = 0; i < count; i++) {
      out.push({ name: m[2] ?? `${prefix}-${index}`, resources, labels });
      index++;
    }
  }
  return out;
}

export function nodeObject(spec: NodeSpec): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: { 'kubernetes.io/hostname': spec.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...(spec.labels ?? {}) },
      annotations: spec.annotations ?? {},
    },
    spec: {},
    status: {
      capacity: { ...spec.resources },
      allocatable: { ...spec.resources },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'FakeNode', message: 'created by gangplank without a kubelet', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() },
      ],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        bootID: '',
        containerRuntimeVersion: 'fake://0',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion: 'v1.35.4',
        machineID: '',
        osImage: 'fake',
        systemUUID: '',
      },
    },
  };
}

/** Create the nodes; the API server keeps status on create, so no status update is needed. */
export async function createNodes(client: KubeClient, specs: readonly NodeSpec[]): Promise<V1Node[]> {
  const created: V1Node[] = [];
  for (const spec of specs) {
    created.push(await client.request<V1Node>({ method: 'POST', path: '/api/v1/nodes', body: nodeObject(spec) }));
  }
  return created;
}

export async function deleteNodes(client: KubeClient, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await client.request({ method: 'DELETE', path: `/api/v1/nodes/${name}` }).catch(() => undefined);
  }
}
