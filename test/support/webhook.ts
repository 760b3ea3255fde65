// Contexts for the webhook's pure functions: a config, a template source and
// optional caches, all plain objects (no API server, no mocks).
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { resolve } from 'node:path';
import { loadConfig, validateConfig, type Config } from '../../src/config/index.js';
import { StaticCache } from '../../src/k8s/cache.js';
import type { MutateContext } from '../../src/webhook/mutate.js';
import type { SparkApplication } from '../../src/webhook/sparkapp.js';
import { createTemplateSource } from '../../src/webhook/templates.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures');

/** The configuration of issue 3, loaded from its YAML file as a user would. */
export function issueConfig(): Config {
  return loadConfig(resolve(FIXTURES, 'config/issue-3.yaml'));
}

/** A validated config from a plain object (defaults applied). */
export function config(raw: unknown = {}): Config {
  return validateConfig(raw, 'test', FIXTURES);
}

export interface ContextExtras {
  namespace?: string;
  configMaps?: V1ConfigMap[];
  sparkApplications?: SparkApplication[];
  drivers?: V1Pod[];
  standalone?: boolean;
}

export function context(cfg: Config, extras: ContextExtras = {}): MutateContext {
  const configMaps = extras.standalone ? undefined : new StaticCache<V1ConfigMap>('configmaps', extras.configMaps ?? []);
  return {
    config: cfg,
    namespace: extras.namespace,
    templates: createTemplateSource(configMaps),
    sparkApplications: extras.sparkApplications ? new StaticCache('sparkapplications', extras.sparkApplications as (SparkApplication & { metadata: { name: string } })[]) : undefined,
    drivers: extras.drivers ? new StaticCache<V1Pod>('pods', extras.drivers) : undefined,
  };
}
