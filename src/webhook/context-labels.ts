// Labels built from values the pod carries, for the seed's context-aware
// naming (a pipeline label from the Airflow DAG id, say). A template is text
// with placeholders:
//   {label:KEY}  {annotation:KEY}  {env:NAME} (main container, literal values only)  {namespace}
// A template whose placeholders cannot all be resolved sets nothing; the
// result is sanitised to a label value, and a label the pod already has wins.
import type { V1Pod } from '@kubernetes/client-node';
import { toLabelValue } from './sanitize.js';
import { mainContainer, type SparkRole } from '../contract/spark-pod.js';

const PLACEHOLDER = /\{(label|annotation|env):([^}]+)\}|\{namespace\}/g;

/** The value of a context-label template for this pod, or undefined when a placeholder has no value. */
export function renderContextLabel(template: string, pod: V1Pod, role: SparkRole, namespace: string | undefined): string | undefined {
  let missing = false;
  const env = mainContainer(pod, role)?.env ?? [];
  const text = template.replace(PLACEHOLDER, (_m, kind: string | undefined, key: string | undefined) => {
    let v: string | undefined;
    if (kind === undefined) v = namespace;
    else if (kind === 'label') v = pod.metadata?.labels?.[key as string];
    else if (kind === 'annotation') v = pod.metadata?.annotations?.[key as string];
    else v = env.find((e) => e.name === key && e.valueFrom === undefined)?.value;
    if (v === undefined || v === '') missing = true;
    return v ?? '';
  });
  if (missing) return undefined;
  const value = toLabelValue(text);
  return value === '' ? undefined : value;
}

export function applyContextLabels(pod: V1Pod, templates: Readonly<Record<string, string>> | undefined, role: SparkRole, namespace: string | undefined): void {
  if (!templates) return;
  const rendered: [string, string][] = [];
  for (const [key, template] of Object.entries(templates)) {
    const value = renderContextLabel(template, pod, role, namespace);
    if (value !== undefined) rendered.push([key, value]);
  }
  if (rendered.length === 0) return;
  const labels = ((pod.metadata ??= {}).labels ??= {});
  for (const [k, v] of rendered) labels[k] ??= v;
}
