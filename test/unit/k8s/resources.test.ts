// Pod requests as kube-scheduler computes them (component-helpers PodRequests).
import { describe, expect, it } from 'vitest';
import { fits, podRequests } from '../../../src/k8s/resources.js';
import { makePod } from '../../support/pod.js';

const GiB = 2 ** 30;

describe('podRequests', () => {
  it('sums app containers', () => {
    const pod = makePod().cpu('1').memory('1Gi').obj();
    pod.spec!.containers.push({ name: 'side', image: 'x', resources: { requests: { cpu: '500m', memory: '1Gi' } } });
    expect(podRequests(pod)).toEqual({ cpu: 1500, memory: 2 * GiB });
  });

  it('uses limits where requests are absent (as the API server defaults them)', () => {
    expect(podRequests(makePod().limits({ cpu: '2', memory: '1Gi' }).obj())).toEqual({ cpu: 2000, memory: GiB });
  });

  it('takes the larger of the app containers and the biggest init container', () => {
    const pod = makePod().cpu('1').initContainer({ name: 'init', image: 'x', resources: { requests: { cpu: '3' } } }).obj();
    expect(podRequests(pod).cpu).toBe(3000);
  });

  it('adds restartable init containers (sidecars) to the app containers and to later init containers', () => {
    const pod = makePod()
      .cpu('1')
      .initContainer({ name: 'sidecar', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } })
      .initContainer({ name: 'migrate', image: 'x', resources: { requests: { cpu: '2' } } })
      .obj();
    // max(app 1 + sidecar 0.5, init 2 + sidecar 0.5) = 2.5
    expect(podRequests(pod).cpu).toBe(2500);
  });

  it('adds pod overhead', () => {
    expect(podRequests(makePod().cpu('1').overhead({ cpu: '250m' }).obj()).cpu).toBe(1250);
  });

  it('counts extended resources such as GPUs', () => {
    expect(podRequests(makePod().gpu(2).obj())['nvidia.com/gpu']).toBe(2);
  });

  it('fits compares every requested resource, missing ones as zero', () => {
    expect(fits({ cpu: 1000, 'nvidia.com/gpu': 1 }, { cpu: 2000 })).toBe(false);
    expect(fits({ cpu: 1000 }, { cpu: 1000, memory: 5 })).toBe(true);
  });
});
