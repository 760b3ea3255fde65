// Fake nodes: created through the API with capacity and allocatable set,
// no kubelet, no taints. A compact description makes N alike nodes:
//   "3x cpu=8,memory=32Gi" or "gpu-0 cpu=16,memory=64Gi,nvidia.com/gpu=4 numa=2"
import type { V1Node } from '@kubernetes/client-node';
import { NUMA_TOPOLOGY } from '../../src/contract/keys.js';
import type { KubeClient } from '../../src/k8s/client.js';
import { formatQuantity, toSchedulerUnits } from '../../src/k8s/quantity.js';

export interface NodeSpec {
  readonly name: string;
  readonly resources: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** How `--nodes` is written; `cluster --help` prints this. */
export const NODE_SPEC_SYNTAX = `--nodes describes the fake nodes, groups separated by ";" or new lines:
  <count>x <resources> [words]   count alike nodes named node-0, node-1, ...
  <name> <resources> [words]     one node with that name
<resources> is a comma list of resource=quantity (cpu=16,memory=64Gi,nvidia.com/gpu=4);
pods=110 is added unless given. Each trailing word is one of:
  numa=N                         N NUMA zones, each with an even share of the node's cpu,
                                 memory, hugepages and extended resources; what does not divide
                                 goes to the first zones, in whole cores, whole Mi and whole
                                 GPUs where the total allows; zones are named node-0 .. node-<N-1>
  numa=<zone>|<zone>|...         explicit zones, each a comma list of resource=quantity;
                                 their sums may not exceed the node's capacity
  key=value                      a node label
Zones are written as the node annotation ${NUMA_TOPOLOGY}.
Example: "2x cpu=4,memory=16Gi; gpu-0 cpu=16,memory=64Gi,nvidia.com/gpu=4 numa=2 pool=gpu"`;

const LINE = /^(?:(\d+)x|([a-z0-9][-a-z0-9.]*))\s+(\S+)(?:\s+(.*))?$/;

/** The most zones `numa=N` takes (large servers have 8; more is a typo). */
const MAX_ZONES = 64;

/** Resources that belong to a NUMA zone: not pods or ephemeral-storage, which are node-wide. */
function isZonal(resource: string): boolean {
  return resource === 'cpu' || resource === 'memory' || resource.startsWith('hugepages-') || resource.includes('/');
}

/**
 * The unit an even split hands out: whole cores and whole Mi when the total
 * is made of them and there is at least one per zone (as real zones hold
 * whole cores), else millicores and bytes. Extended resources (GPUs) are
 * whole units always.
 */
function splitUnit(resource: string, total: number, zones: number): number {
  const coarse = resource === 'cpu' ? 1000 : resource === 'memory' || resource.startsWith('hugepages-') ? 2 ** 20 : 1;
  return total % coarse === 0 && total / coarse >= zones ? coarse : 1;
}

/** `numa=N`: the zonal resources divided into N zones whose sums are the node's capacity. */
export function evenZones(resources: Record<string, string>, n: number): { name: string; resources: Record<string, string> }[] {
  const zones = Array.from({ length: n }, (_, i) => ({ name: `node-${i}`, resources: {} as Record<string, string> }));
  for (const [resource, quantity] of Object.entries(resources)) {
    if (!isZonal(resource)) continue;
    const total = toSchedulerUnits(resource, quantity);
    const unit = splitUnit(resource, total, n);
    const units = total / unit;
    const share = Math.floor(units / n);
    const extra = units % n;
    zones.forEach((z, i) => {
      z.resources[resource] = formatQuantity(resource, (share + (i < extra ? 1 : 0)) * unit);
    });
  }
  return zones;
}

function parseResources(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of text.split(',')) {
    const [k, v, ...rest] = kv.split('=');
    if (!k || !v || rest.length > 0) throw new Error(`bad resource ${JSON.stringify(kv)} in ${where}`);
    try {
      toSchedulerUnits(k, v);
    } catch (err) {
      throw new Error(`bad quantity ${JSON.stringify(kv)} in ${where}: ${(err as Error).message}`);
    }
    out[k] = v;
  }
  return out;
}

/** The zones of a `numa=` word: a count, or explicit zones separated by `|`. */
function parseZones(value: string, resources: Record<string, string>, where: string): { name: string; resources: Record<string, string> }[] {
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (n < 1 || n > MAX_ZONES) throw new Error(`numa=${value} in ${where}: want 1 to ${MAX_ZONES} zones`);
    return evenZones(resources, n);
  }
  const zones = value.split('|').map((z, i) => ({ name: `node-${i}`, resources: parseResources(z, where) }));
  const sums: Record<string, number> = {};
  for (const z of zones) for (const [k, v] of Object.entries(z.resources)) sums[k] = (sums[k] ?? 0) + toSchedulerUnits(k, v);
  for (const [k, sum] of Object.entries(sums)) {
    const cap = resources[k] === undefined ? 0 : toSchedulerUnits(k, resources[k]);
    if (sum > cap) throw new Error(`numa zones in ${where} hold ${formatQuantity(k, sum)} ${k}, more than the node's ${resources[k] ?? 0}`);
  }
  return zones;
}

/**
 * Parse a compact description (NODE_SPEC_SYNTAX), one group per line or `;`:
 * `<count>x <res>` names nodes `<prefix>-<i>`; `<name> <res>` names one node.
 * A trailing `numa=...` word describes NUMA zones; other `key=value` words
 * become labels.
 */
export function parseNodeSpecs(description: string, prefix = 'node'): NodeSpec[] {
  const out: NodeSpec[] = [];
  let index = 0;
  for (const raw of description.split(/[;\n]/)) {
    const line = raw.trim();
    if (!line) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`bad node description ${JSON.stringify(line)}: want "<count>x cpu=..,memory=.." or "<name> cpu=..,..."`);
    const where = JSON.stringify(line);
    const resources: Record<string, string> = { pods: '110', ...parseResources(m[3] as string, where) };
    const labels: Record<string, string> = {};
    const annotations: Record<string, string> = {};
    for (const word of (m[4] ?? '').split(/\s+/).filter(Boolean)) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw new Error(`bad word ${JSON.stringify(word)} in ${where}: want numa=N or a label key=value`);
      const [k, v] = [word.slice(0, eq), word.slice(eq + 1)];
      if (k === 'numa') {
        if (annotations[NUMA_TOPOLOGY] !== undefined) throw new Error(`numa given twice in ${where}`);
        annotations[NUMA_TOPOLOGY] = JSON.stringify(parseZones(v, resources, where));
      } else {
        labels[k] = v;
      }
    }
    const count = m[1] ? Number(m[1]) : 1;
    for (let i = 0; i < count; i++) {
      out.push({ name: m[2] ?? `${prefix}-${index}`, resources, labels, annotations });
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
