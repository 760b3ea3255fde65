export { configSchema, numaPolicies } from './schema.js';
export type { Config, Profile, RoleSettings, PodFragment, ExecutorShape, NumaSettings, WebhookConfig, ExtenderConfig } from './schema.js';
export { loadConfig, validateConfig, ConfigError, formatPath } from './load.js';
export { readEnvironment, type Environment } from './env.js';
