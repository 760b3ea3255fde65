// Helpers for the capacity index's part tests: stub inputs for a NodeTable,
// an NRT object, and pods with the facts the index would give them.
import type { V1Pod } from '@kubernetes/client-node';
import type { ResourceList } from '../../../../src/k8s/resources.js';
import type { RoomInputs } from '../../../../src/gang/capacity/nodes.js';
import { EMPTY } from '../../../../src/gang/capacity/sums.js';
import type { NodeResourceTopology } from '../../../../src/numa/topology.js';
import { podSetFingerprint } from '../../../../src/numa/fingerprint.js';
import { makePod } from '../../../support/pod.js';

export const GPU = 'nvidia.com/gpu';

/** Inputs with nothing used, reserved or pending, unless `over` says otherwise; usage records made on demand. */
export function roomInputs(over: Partial<RoomInputs> = {}): RoomInputs {
  const used = new Map<string, ResourceList>();
  return {
    usedRecord: (node) => {
      let u = used.get(node);
      if (!u) used.set(node, (u = {}));
      return u;
    },
    reservedOn: () => EMPTY,
    reservedIn: () => EMPTY,
    boundIn: () => EMPTY,
    assumedIn: () => EMPTY,
    pendingOn: () => [],
    nrt: () => undefined,
    ...over,
  };
}

/**
 * An NRT for `node` with two zones of 4 GPUs whose `available` GPUs are
 * `avail`; `fp`: the names (namespace spark) its fingerprint covers, or null
 * for an exporter that publishes none.
 */
export function nrt(node: string, avail: readonly [number, number], fp: readonly string[] | null = [], policy = 'single-numa-node'): NodeResourceTopology {
  const attributes = [
    { name: 'topologyManagerPolicy', value: policy },
    { name: 'topologyManagerScope', value: 'pod' },
  ];
  if (fp !== null) attributes.push({ name: 'nodeTopologyPodsFingerprint', value: podSetFingerprint(fp.map((name) => ({ namespace: 'spark', name }))) });
  return {
    metadata: { name: node },
    topologyPolicies: [],
    attributes,
    zones: avail.map((a, i) => ({
      name: `node-${i}`,
      type: 'Node',
      resources: [
        { name: 'cpu', capacity: '16', allocatable: '16', available: '16' },
        { name: GPU, capacity: '4', allocatable: '4', available: String(a) },
      ],
    })),
  };
}

/** A Guaranteed pod in namespace spark holding `gpus` GPUs (exclusive resources), bound to `node` unless undefined. */
export function gpuPod(name: string, gpus: number, opts: { node?: string; zone?: string; phase?: 'Pending' | 'Running' | 'Succeeded' } = {}): V1Pod {
  const b = makePod(name).ns('spark').uid(`uid-${name}`).requests({ cpu: '1', memory: '1Gi' }).limits({ cpu: '1', memory: '1Gi' }).gpu(gpus);
  if (opts.node) b.nodeName(opts.node);
  if (opts.zone) b.annotation('gangplank.io/numa-zone', opts.zone);
  b.phase(opts.phase ?? 'Running');
  return b.obj();
}
