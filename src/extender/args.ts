// Shape checks of ExtenderArgs / ExtenderBindingArgs (PascalCase keys).
import type { ExtenderArgs, ExtenderPreemptionArgs } from '../k8s/wire.js';

export function malformedExtenderArgs(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const a = body as Partial<ExtenderArgs>;
  if (!a.Pod || typeof a.Pod !== 'object') return 'Pod is missing';
  if (!a.Pod.metadata?.name) return 'Pod.metadata.name is missing';
  const hasNames = Array.isArray(a.NodeNames);
  const hasNodes = a.Nodes !== undefined && a.Nodes !== null;
  if (!hasNames && !hasNodes) return 'neither NodeNames nor Nodes is set';
  if (hasNames && !(a.NodeNames as unknown[]).every((n) => typeof n === 'string')) return 'NodeNames must be strings';
  if (hasNodes && !Array.isArray(a.Nodes?.items)) return 'Nodes.items must be a list';
  return null;
}

/** The candidate node names of a call, from NodeNames or Nodes. */
export function candidateNames(args: ExtenderArgs): string[] {
  if (Array.isArray(args.NodeNames)) return args.NodeNames;
  return (args.Nodes?.items ?? []).map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
}

export function malformedBindingArgs(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const b = body as Record<string, unknown>;
  for (const key of ['PodName', 'PodNamespace', 'PodUID', 'Node']) {
    if (typeof b[key] !== 'string' || b[key] === '') return `${key} is missing`;
  }
  return null;
}

export function malformedPreemptionArgs(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const a = body as Partial<ExtenderPreemptionArgs>;
  if (!a.Pod || typeof a.Pod !== 'object') return 'Pod is missing';
  if (!a.Pod.metadata?.name) return 'Pod.metadata.name is missing';
  for (const key of ['NodeNameToVictims', 'NodeNameToMetaVictims'] as const) {
    const m = a[key];
    if (m === undefined || m === null) continue;
    if (typeof m !== 'object' || Array.isArray(m)) return `${key} is not a map`;
    for (const [node, v] of Object.entries(m)) {
      if (v === null) continue;
      if (typeof v !== 'object' || (v.Pods !== null && v.Pods !== undefined && !Array.isArray(v.Pods))) return `${key}[${node}].Pods is not a list`;
    }
  }
  return null;
}
