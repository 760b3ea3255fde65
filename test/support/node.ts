// Fluent node builder for tests: `makeNode('n1').cpu('8').memory('32Gi').gpu(4).obj()`.
import type { V1Node, V1Taint } from '@kubernetes/client-node';

export class NodeBuilder {
  private node: V1Node;
  constructor(name: string) {
    this.node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' }, annotations: {} },
      spec: {},
      status: {
        capacity: { cpu: '4', memory: '16Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True' } as never],
      },
    };
  }
  private set(resource: string, q: string): this {
    this.node.status!.capacity![resource] = q;
    this.node.status!.allocatable![resource] = q;
    return this;
  }
  cpu(q: string): this {
    return this.set('cpu', q);
  }
  memory(q: string): this {
    return this.set('memory', q);
  }
  pods(n: number): this {
    return this.set('pods', String(n));
  }
  gpu(n: number, resource = 'nvidia.com/gpu'): this {
    return this.set(resource, String(n));
  }
  resource(name: string, q: string): this {
    return this.set(name, q);
  }
  label(key: string, value: string): this {
    this.node.metadata!.labels![key] = value;
    return this;
  }
  annotation(key: string, value: string): this {
    this.node.metadata!.annotations![key] = value;
    return this;
  }
  taint(t: V1Taint): this {
    this.node.spec!.taints = [...(this.node.spec!.taints ?? []), t];
    return this;
  }
  unschedulable(): this {
    this.node.spec!.unschedulable = true;
    return this;
  }
  /** The fallback topology annotation: zones with capacity per resource. */
  numaZones(zones: { name: string; resources: Record<string, string> }[]): this {
    return this.annotation('gangplank.io/numa-topology', JSON.stringify(zones));
  }
  obj(): V1Node {
    return structuredClone(this.node);
  }
}

export function makeNode(name: string): NodeBuilder {
  return new NodeBuilder(name);
}
