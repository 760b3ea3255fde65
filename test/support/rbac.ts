// RBAC as the API server evaluates it, for the objects a chart renders, and
// the "identities and API calls" table of docs/rbac.md, so a test can check
// the two against each other in both directions.
import type { ManifestObject } from '../../dev/cluster/apply.js';

export interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** One API call: `namespace` undefined means cluster-wide (or a cluster-scoped object). */
export interface Call {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

const has = (list: readonly string[] | undefined, v: string): boolean => (list ?? []).includes('*') || (list ?? []).includes(v);

export function ruleAllows(rule: PolicyRule, call: Call): boolean {
  if (!has(rule.verbs, call.verb) || !has(rule.apiGroups, call.group) || !has(rule.resources, call.resource)) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0) return call.name !== undefined && rule.resourceNames.includes(call.name);
  return true;
}

export interface Grants {
  /** Rules of rendered ClusterRoles bound cluster-wide. */
  readonly cluster: PolicyRule[];
  /** Rules of rendered Roles (or ClusterRoles) bound in one namespace. */
  readonly namespaced: Map<string, PolicyRule[]>;
  /** Roles bound that the chart does not render (Kubernetes' own). */
  readonly external: { kind: string; name: string; namespace?: string }[];
}

interface Binding extends ManifestObject {
  roleRef: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/** What the rendered objects grant ServiceAccount `namespace/name`. */
export function grantsOf(objects: readonly ManifestObject[], namespace: string, name: string): Grants {
  const grants: Grants = { cluster: [], namespaced: new Map(), external: [] };
  const role = (kind: string, roleName: string, ns?: string): ManifestObject | undefined =>
    objects.find((o) => o.kind === kind && o.metadata.name === roleName && (kind === 'ClusterRole' || o.metadata.namespace === ns));
  for (const o of objects) {
    if (o.kind !== 'ClusterRoleBinding' && o.kind !== 'RoleBinding') continue;
    const b = o as Binding;
    if (!(b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === name && s.namespace === namespace)) continue;
    const target = role(b.roleRef.kind, b.roleRef.name, b.metadata.namespace);
    if (!target) {
      grants.external.push({ kind: b.roleRef.kind, name: b.roleRef.name, ...(o.kind === 'RoleBinding' ? { namespace: b.metadata.namespace } : {}) });
      continue;
    }
    const rules = (target.rules as PolicyRule[] | undefined) ?? [];
    if (o.kind === 'ClusterRoleBinding') grants.cluster.push(...rules);
    else {
      const ns = b.metadata.namespace as string;
      grants.namespaced.set(ns, [...(grants.namespaced.get(ns) ?? []), ...rules]);
    }
  }
  return grants;
}

export function grantsAllow(grants: Grants, call: Call): boolean {
  if (grants.cluster.some((r) => ruleAllows(r, call))) return true;
  return call.namespace !== undefined && (grants.namespaced.get(call.namespace) ?? []).some((r) => ruleAllows(r, call));
}

export interface CallRow {
  readonly component: string;
  readonly verbs: string[];
  readonly group: string;
  readonly resource: string;
  /** `cluster`, `release namespace`, or `name <x>`. */
  readonly scope: string;
  /** `always`, or the TLS mode the row belongs to. */
  readonly when: string;
}

export interface RoleRow {
  readonly component: string;
  readonly role: string;
  readonly kind: string;
  readonly namespace?: string;
}

function tableAfter(markdown: string, header: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  if (start < 0) throw new Error(`no table with header ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}

/** The two tables of docs/rbac.md. */
export function parseRbacDoc(markdown: string): { calls: CallRow[]; roles: RoleRow[] } {
  const calls = tableAfter(markdown, '| component | verbs |').map(([component, verbs, group, resource, scope, when]) => ({
    component: component as string,
    verbs: (verbs as string).split(',').map((v) => v.trim()),
    group: group === 'core' ? '' : (group as string),
    resource: resource as string,
    scope: (scope as string).replace(/`/g, ''),
    when: when as string,
  }));
  const roles = tableAfter(markdown, '| component | role |').map(([component, role, kind, namespace]) => ({
    component: component as string,
    role: role as string,
    kind: kind as string,
    ...(namespace ? { namespace } : {}),
  }));
  return { calls, roles };
}

/** The calls one table row stands for, with `<release>` and the release namespace filled in. */
export function rowCalls(row: CallRow, release: string, releaseNamespace: string): Call[] {
  const scope = row.scope.replace(/<release>/g, release);
  return row.verbs.map((verb) => {
    const base = { verb, group: row.group, resource: row.resource };
    if (scope === 'cluster') return base;
    if (scope === 'release namespace') return { ...base, namespace: releaseNamespace };
    const name = scope.replace(/^name /, '');
    // Named objects: namespaced ones live in the release namespace.
    return row.resource === 'mutatingwebhookconfigurations' ? { ...base, name } : { ...base, namespace: releaseNamespace, name };
  });
}

/** Every (verb, group, resource, name?) a rule grants, one call each, in the scope it is bound. */
export function expandRule(rule: PolicyRule, namespace?: string): Call[] {
  const out: Call[] = [];
  for (const verb of rule.verbs)
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames && rule.resourceNames.length > 0 ? rule.resourceNames : [undefined];
        for (const name of names) out.push({ verb, group, resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) });
      }
  return out;
}

/** True when a call granted by the chart is one the table lists (same scope or narrower). */
export function listedBy(call: Call, rows: readonly Call[]): boolean {
  return rows.some(
    (r) =>
      r.verb === call.verb &&
      r.group === call.group &&
      r.resource === call.resource &&
      (r.namespace === undefined || r.namespace === call.namespace) &&
      (r.name === undefined ? call.name === undefined : r.name === call.name),
  );
}
