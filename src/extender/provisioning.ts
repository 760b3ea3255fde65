// The ProvisioningRequest adapter (issue 11 item 3; off unless
// extender.provisioningRequests.enabled): a driver the filter answers
// DoesNotFit gets a ProvisioningRequest and its PodTemplates
// (src/gang/provisioning.ts) so a cluster autoscaler can add nodes for the
// whole gang at once; they are deleted when the gang is planned, or when its
// driver is deleted or finishes. Work per gang runs one after another (a
// create and a delete never race); AlreadyExists and NotFound count as done.
// The objects are owned by the driver, so the garbage collector removes them
// with it even when this replica never sees the deletion.
import type { V1Pod } from '@kubernetes/client-node';
import { podConstraints } from '../contract/annotations.js';
import type { Verdict } from '../gang/admit.js';
import { executorConstraints } from '../gang/constraints.js';
import { resolveDriverExecutors } from '../gang/driver-executors.js';
import { creationMs, gangId } from '../gang/identity.js';
import { PROVISIONING_GROUP_VERSION, PROVISIONING_RESOURCE, provisioningName, provisioningObjects } from '../gang/provisioning.js';
import { ApiError, type KubeClient } from '../k8s/client.js';
import type { Logger } from '../log.js';
import type { ExtenderState } from './state.js';

/** The API calls the adapter makes (the runtime implements them with the client; tests record them). */
export interface ProvisioningApi {
  create(path: string, body: Record<string, unknown>): Promise<void>;
  remove(path: string): Promise<void>;
}

export function apiProvisioning(client: KubeClient): ProvisioningApi {
  const ignore = (status: number) => (err: unknown) => {
    if (!(err instanceof ApiError && err.status === status)) throw err;
  };
  return {
    create: (path, body) => client.request({ method: 'POST', path, body }).then(() => undefined, ignore(409)),
    remove: (path) => client.request({ method: 'DELETE', path, body: { propagationPolicy: 'Background' } }).then(() => undefined, ignore(404)),
  };
}

const requestsPath = (ns: string): string => `/apis/${PROVISIONING_GROUP_VERSION}/namespaces/${ns}/${PROVISIONING_RESOURCE}`;
const templatesPath = (ns: string): string => `/api/v1/namespaces/${ns}/podtemplates`;

export class Provisioner {
  /** Gangs with a request created by this replica (key → driver uid). */
  private readonly active = new Map<string, string>();
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      readonly state: Pick<ExtenderState, 'context' | 'clock' | 'config'>;
      readonly api: ProvisioningApi;
      readonly className: string;
      readonly logger: Logger;
    },
  ) {}

  /** What the filter answered a gang member. */
  observe(pod: V1Pod, verdict: Verdict): void {
    if (verdict.kind === 'NotInGang' || pod.metadata?.labels?.['spark-role'] !== 'driver') return;
    const key = verdict.gang.key;
    if (verdict.kind === 'DoesNotFit' && !this.active.has(key)) this.create(pod, verdict.gang.namespace, verdict.gang.name);
    else if (verdict.kind === 'Ready' && this.active.has(key)) this.delete(key, verdict.gang.namespace, verdict.gang.name);
  }

  /** A pod was deleted or finished: a driver with a request takes it along. */
  podGone(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    for (const [key, driverUid] of this.active) {
      if (driverUid !== uid) continue;
      const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      this.delete(key, namespace, name);
    }
  }

  /** Settle every queued call (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private enqueue(key: string, work: () => Promise<void>): void {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(work).catch((err: unknown) => this.deps.logger.warn({ gang: key, err: String(err) }, 'ProvisioningRequest call failed'));
    this.queues.set(key, next);
    void next.then(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
  }

  private create(driver: V1Pod, namespace: string, name: string): void {
    const ctx = this.deps.state.context();
    const decided = resolveDriverExecutors({
      driver,
      sparkConf: ctx.sparkConf?.(driver) ?? { state: 'none' },
      age: ctx.now - creationMs(driver),
      waitSeconds: ctx.config.sparkConfigWaitSeconds,
      executorDefaults: ctx.config.executorDefaults,
    });
    const exec = executorConstraints(driver);
    if (decided.kind !== 'known' || exec instanceof Error) return;
    const gang = gangId(namespace, name);
    const objects = provisioningObjects({ gang, driver, driverConstraints: podConstraints(driver), executors: decided.executors, executorConstraints: exec, className: this.deps.className });
    this.active.set(gang.key, driver.metadata?.uid ?? '');
    this.enqueue(gang.key, async () => {
      for (const t of objects.templates) await this.deps.api.create(templatesPath(namespace), t);
      await this.deps.api.create(requestsPath(namespace), objects.request);
      this.deps.logger.info({ gang: gang.key, request: objects.name, executors: decided.executors.count }, 'ProvisioningRequest created for a gang that fits nowhere');
    });
  }

  private delete(key: string, namespace: string, name: string): void {
    this.active.delete(key);
    const base = provisioningName(gangId(namespace, name));
    this.enqueue(key, async () => {
      await this.deps.api.remove(`${requestsPath(namespace)}/${base}`);
      for (const t of ['driver', 'executor']) await this.deps.api.remove(`${templatesPath(namespace)}/${base}-${t}`);
      this.deps.logger.info({ gang: key, request: base }, 'ProvisioningRequest deleted');
    });
  }
}
