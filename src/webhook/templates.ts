// Where a profile's pod templates come from: inline or a file (both already
// in the frozen config), or a ConfigMap the runtime watches. Reading the
// ConfigMap goes through a read-only cache; a parsed template is remembered
// per ConfigMap object, so a template is parsed once per change, not per pod.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { PodFragment, RoleSettings } from '../config/index.js';
import { podFragmentSchema } from '../config/schema.js';
import type { ObjectCache } from '../k8s/cache.js';

export interface TemplateLookup {
  readonly fragment?: PodFragment;
  /** Why the template could not be used (the pod is shaped without it). */
  readonly problem?: string;
}

export interface TemplateSource {
  /** The template of one role's settings, for a pod in `podNamespace`. */
  template(settings: RoleSettings | undefined, podNamespace: string | undefined): TemplateLookup;
}

/** Parse a template document (YAML or JSON) into a pod fragment. */
export function parseTemplate(text: string): TemplateLookup {
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    return { problem: `not YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  const r = podFragmentSchema.safeParse(value ?? {});
  if (!r.success) return { problem: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  return { fragment: r.data };
}

export function createTemplateSource(configMaps: ObjectCache<V1ConfigMap> | undefined): TemplateSource {
  const parsed = new WeakMap<V1ConfigMap, Map<string, TemplateLookup>>();
  return {
    template(settings, podNamespace) {
      if (!settings) return {};
      if (settings.template) return { fragment: settings.template };
      const ref = settings.templateConfigMap;
      if (!ref) return {};
      const namespace = ref.namespace ?? podNamespace;
      const where = `ConfigMap ${namespace ?? ''}/${ref.name} key ${ref.key}`;
      if (!configMaps) return { problem: `${where}: no API access (standalone mode)` };
      const cm = configMaps.get(ref.name, namespace);
      if (!cm) return { problem: `${where} not found` };
      let byKey = parsed.get(cm);
      if (!byKey) {
        byKey = new Map();
        parsed.set(cm, byKey);
      }
      let hit = byKey.get(ref.key);
      if (!hit) {
        const text = cm.data?.[ref.key];
        hit = text === undefined ? { problem: `${where}: no such key` } : parseTemplate(text);
        if (hit.problem && !hit.problem.startsWith(where)) hit = { problem: `${where}: ${hit.problem}` };
        byKey.set(ref.key, hit);
      }
      return hit;
    },
  };
}
