// What the submission-path e2e tests check on every gang they place, and the
// plumbing to apply an example file as a user would.
import type { V1Node, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { applyObjects, readManifests, type ManifestObject } from '../../../dev/cluster/apply.js';
import { gangRecordCodec, type GangRecord } from '../../../src/contract/gang-record.js';
import { ApiError } from '../../../src/k8s/client.js';
import { toSchedulerUnits } from '../../../src/k8s/quantity.js';
import type { E2E } from './cluster.js';

export const GANG = 'pod-group.scheduling.kubenexus.io/name';
export const MIN = 'pod-group.scheduling.kubenexus.io/min-available';
export const ZONE = 'gangplank.io/numa-zone';
export const SLOT = 'gangplank.io/slot';

export const EXAMPLES = resolve(import.meta.dirname, '../../../examples');

export const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The `config` of examples/gangplank-values.yaml: what the chart is installed with. */
export function exampleGangplankConfig(): Record<string, unknown> {
  const values = parse(readFileSync(resolve(EXAMPLES, 'gangplank-values.yaml'), 'utf8')) as { config: Record<string, unknown> };
  return values.config;
}

export function exampleObjects(file: string): ManifestObject[] {
  return readManifests(resolve(EXAMPLES, file));
}

/** `kubectl apply -f`: create each object, replacing one that exists. */
export async function apply(e2e: E2E, objects: readonly ManifestObject[]): Promise<void> {
  await applyObjects(e2e.client(), objects);
}

/** Force-delete every pod of a namespace the harness did not create (no kubelet confirms a graceful delete). */
export async function deletePods(e2e: E2E, ns: string): Promise<void> {
  const list = await e2e.client().request<{ items: V1Pod[] }>({ path: `/api/v1/namespaces/${ns}/pods` });
  for (const p of list.items) {
    await e2e
      .client()
      .request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${p.metadata?.name}`, body: { gracePeriodSeconds: 0 } })
      .catch(() => undefined);
  }
}

export async function createNamespace(e2e: E2E, name: string): Promise<void> {
  try {
    await e2e.client().request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409) throw err;
  }
}

/** Assert a pod stays unbound for `ms`. */
export async function staysPending(e2e: E2E, ns: string, name: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    expect((await e2e.getPod(ns, name)).spec?.nodeName, `${ns}/${name} must stay pending`).toBeFalsy();
    await sleep(250);
  }
}

/** The FailedScheduling message kube-scheduler posted for a pod (waits for it). */
export async function failedScheduling(e2e: E2E, ns: string, name: string): Promise<string> {
  for (let i = 0; i < 80; i++) {
    const ev = (await e2e.events(ns, name)).filter((e) => e.reason === 'FailedScheduling').pop();
    if (ev?.message) return ev.message;
    await sleep(250);
  }
  throw new Error(`no FailedScheduling event on ${ns}/${name}`);
}

export function gangRecord(driver: V1Pod): GangRecord {
  const raw = driver.metadata?.annotations?.['gangplank.io/gang-record'];
  if (!raw) throw new Error(`driver ${driver.metadata?.name} has no gangplank.io/gang-record`);
  const r = gangRecordCodec.parse(raw);
  if (r instanceof Error) throw r;
  return r;
}

/** Tolerations without the two NoExecute ones the API server adds to every pod. */
function ownTolerations(p: V1Pod): V1Toleration[] {
  return (p.spec?.tolerations ?? [])
    .filter((t) => !(t.effect === 'NoExecute' && (t.key === 'node.kubernetes.io/not-ready' || t.key === 'node.kubernetes.io/unreachable')))
    .map((t) => ({ key: t.key, operator: t.operator, value: t.value, effect: t.effect }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/**
 * What every placed gang must show, read back from the API server:
 * - all-or-nothing: the driver and every executor bound; the driver's plan
 *   (gangplank.io/gang-record) held exactly `executors.length` executor slots;
 * - each executor took one of its gang's slots (gangplank.io/slot), on the
 *   slot's node and, when the slot has one, in the slot's NUMA zone; no slot twice;
 * - driver and executors agree: one gang name, the Gangplank scheduler, the
 *   same tolerations and nodeSelector, min-available = 1 + N on each
 *   executor (and on the driver when it has one);
 * - the labels in `sameLabels` equal on every pod.
 * Returns the driver's plan.
 */
export function expectPlacedWhole(driver: V1Pod, executors: readonly V1Pod[], sameLabels: readonly string[] = []): GangRecord {
  const record = gangRecord(driver);
  const slots = record.slots.filter((s) => s.role === 'executor');
  expect(slots, 'executor slots in the plan').toHaveLength(executors.length);
  const driverSlot = record.slots.find((s) => s.role === 'driver');
  expect(driver.spec?.nodeName, 'the driver on its planned node').toBe(driverSlot?.node);
  const used = new Set<string>();
  for (const e of executors) {
    const name = e.metadata?.name;
    expect(e.spec?.nodeName, `${name} bound`).toBeTruthy();
    const slotId = e.metadata?.annotations?.[SLOT];
    const slot = slots.find((s) => s.id === slotId);
    expect(slot, `${name} took a slot of its gang (${slotId})`).toBeDefined();
    expect(used.has(slotId as string), `slot ${slotId} taken twice`).toBe(false);
    used.add(slotId as string);
    expect(e.spec?.nodeName, `${name} on its slot's node`).toBe(slot?.node);
    if (slot?.zone !== undefined) expect(e.metadata?.annotations?.[ZONE], `${name} in its slot's zone`).toBe(slot.zone);
  }
  const gang = driver.metadata?.labels?.[GANG];
  expect(gang).toBeTruthy();
  for (const p of [driver, ...executors]) {
    const name = p.metadata?.name;
    expect(p.metadata?.labels?.[GANG], `${name}: gang name`).toBe(gang);
    // The webhook writes min-available on a driver only when it knows N at admission; executors always get 1 + N.
    if (p !== driver || p.metadata?.labels?.[MIN] !== undefined) expect(p.metadata?.labels?.[MIN], `${name}: min-available`).toBe(String(1 + executors.length));
    expect(p.spec?.schedulerName, `${name}: scheduler`).toBe('gangplank-scheduler');
    expect(ownTolerations(p), `${name}: tolerations as the driver's`).toEqual(ownTolerations(driver));
    expect(p.spec?.nodeSelector ?? {}, `${name}: nodeSelector as the driver's`).toEqual(driver.spec?.nodeSelector ?? {});
    for (const l of sameLabels) expect(p.metadata?.labels?.[l], `${name}: label ${l}`).toBe(driver.metadata?.labels?.[l]);
  }
  return record;
}

/** A zone of a node's gangplank.io/numa-topology annotation. */
export interface Zone {
  readonly name: string;
  readonly resources: Record<string, string>;
}

/** The requests of a pod's app containers (the examples' pods have no init containers), in scheduler units. */
function podRequests(p: V1Pod): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of p.spec?.containers ?? []) {
    for (const [k, q] of Object.entries(c.resources?.requests ?? {})) out[k] = (out[k] ?? 0) + toSchedulerUnits(k, String(q));
  }
  return out;
}

/**
 * No pod spans zones: every pod has a zone of its node, and per zone the
 * pods' requests of `resources` fit in that zone's capacity.
 */
export function expectWithinZones(pods: readonly V1Pod[], topology: Readonly<Record<string, readonly Zone[]>>, resources: readonly string[]): void {
  const used = new Map<string, Record<string, number>>();
  for (const p of pods) {
    const node = p.spec?.nodeName ?? '';
    const zone = p.metadata?.annotations?.[ZONE];
    expect(zone, `${p.metadata?.name} has a NUMA zone`).toBeTruthy();
    expect(topology[node]?.some((z) => z.name === zone), `${p.metadata?.name}: zone ${zone} is a zone of ${node}`).toBe(true);
    const key = `${node}/${zone}`;
    const sum = used.get(key) ?? {};
    for (const [k, v] of Object.entries(podRequests(p))) sum[k] = (sum[k] ?? 0) + v;
    used.set(key, sum);
  }
  for (const [key, sum] of used) {
    const [node, zoneName] = key.split('/') as [string, string];
    const zone = topology[node]?.find((z) => z.name === zoneName) as Zone;
    for (const r of resources) {
      const cap = toSchedulerUnits(r, zone.resources[r] ?? '0');
      expect(sum[r] ?? 0, `${key}: ${r} requested by its pods within the zone's ${zone.resources[r]}`).toBeLessThanOrEqual(cap);
    }
  }
}

/** Every bound pod's requests, summed per node, within the node's allocatable. */
export async function noNodeOverCommitted(e2e: E2E, nodes: readonly string[]): Promise<void> {
  const pods = await e2e.client().request<{ items: V1Pod[] }>({ path: '/api/v1/pods' });
  for (const name of nodes) {
    const node = await e2e.client().request<V1Node>({ path: `/api/v1/nodes/${name}` });
    const cpu = Number((node.status?.allocatable?.cpu as string | undefined) ?? '0') * 1000;
    let used = 0;
    for (const p of pods.items.filter((x) => x.spec?.nodeName === name)) {
      try {
        used += podRequests(p).cpu ?? 0;
      } catch {
        // A pod whose requests no scheduler accepts was bound by hand; it never runs (the kubelet refuses it).
      }
    }
    expect(used, `cpu used on ${name}`).toBeLessThanOrEqual(cpu);
  }
}
