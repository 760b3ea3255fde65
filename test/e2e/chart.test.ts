// The Helm chart as users install it: helm lint, helm template for each TLS
// mode and a few value sets, every rendered object created on the real API
// server with strict server-side validation (dry run), the identities and
// API calls of docs/rbac.md checked against the rendered RBAC both ways and
// against the API server's own authorizer. The other e2e files run the
// webhook, the extender and kube-scheduler from this chart's Deployments,
// under these identities (dev/cluster/local.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { collectionPath, readManifests, type ManifestObject } from '../../dev/cluster/apply.js';
import { findObject, RELEASE, RELEASE_NAMESPACE, renderChart, runHelm } from '../../dev/cluster/chart.js';
import { repoRoot } from '../../dev/cluster/local.js';
import { waitFor } from '../../dev/cluster/process.js';
import type { Container, PodSpec } from '../../dev/cluster/pod-runner.js';
import { expandRule, grantsAllow, grantsOf, listedBy, parseRbacDoc, rowCalls, type Call } from '../support/rbac.js';
import { e2eTools, useLocalCluster } from './support/cluster.js';

const root = repoRoot();
const chartDir = join(root, 'charts', 'gangplank');
const KUBE = 'v1.35.4';
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

/** Value sets a user might install with, each rendered and validated. */
const VALUE_SETS: { name: string; values: Record<string, unknown> }[] = [
  { name: 'defaults (selfManaged TLS)', values: {} },
  { name: 'provided TLS', values: { webhook: { tls: { mode: 'provided', provided: { secretName: 'my-tls', caBundle: CA } } } } },
  { name: 'certManager TLS, self-signed Issuer, an extra name and IP', values: { webhook: { tls: { mode: 'certManager', extraDNSNames: ['webhook.example.com', '10.1.2.3'] } } } },
  { name: 'certManager TLS with a ClusterIssuer', values: { webhook: { tls: { mode: 'certManager', certManager: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } } } } } },
  {
    name: 'everything on: monitoring, dashboard, Fail policy, 3 replicas, profiles',
    values: {
      webhook: { replicas: 3, failurePolicy: 'Fail', excludeNamespaces: ['batch-legacy'] },
      scheduler: { replicas: 3, aliases: [] },
      metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' } }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } },
      config: { profiles: [{ name: 'kyuubi', match: { namespaces: ['kyuubi'] }, executorInstances: 2 }, { name: 'default', match: {} }] },
    },
  },
];

const render = (values: Record<string, unknown>, opts: { release?: string; namespace?: string } = {}): ManifestObject[] =>
  renderChart({ helm: e2eTools().helm, chartDir, values, kubeVersion: KUBE, ...opts });

function podSpec(o: ManifestObject): PodSpec {
  return (o.spec as { template: { spec: PodSpec } }).template.spec;
}

describe('the chart, rendered', () => {
  it.each(VALUE_SETS)('passes helm lint --strict with $name', ({ values }) => {
    const dir = mkdtempSync(join(tmpdir(), 'gangplank-lint-'));
    const file = join(dir, 'values.yaml');
    writeFileSync(file, stringify(values));
    const out = runHelm(e2eTools().helm, ['lint', chartDir, '--strict', '--kube-version', KUBE, '--values', file]);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it.each(VALUE_SETS)('renders $name with hardened containers, probes, requests and a memory limit', ({ values }) => {
    const objects = render(values);
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([`${RELEASE}-scheduler`, `${RELEASE}-webhook`]);
    const { runAsUser, runAsGroup } = (readManifests(join(chartDir, 'values.yaml'))[0] as unknown as { securityContext: { runAsUser: number; runAsGroup: number } })
      .securityContext;
    for (const d of deployments) {
      const spec = podSpec(d);
      expect(spec.securityContext, d.metadata.name).toMatchObject({ runAsNonRoot: true, runAsUser, runAsGroup, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of spec.containers as (Container & Record<string, unknown>)[]) {
        const where = `${d.metadata.name}/${c.name}`;
        expect(c.securityContext, where).toMatchObject({
          runAsNonRoot: true,
          runAsUser,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(Number.isInteger(c.securityContext?.runAsUser), where).toBe(true);
        const resources = c.resources as { requests?: Record<string, string>; limits?: Record<string, string> };
        expect(resources.requests?.cpu, where).toBeTruthy();
        expect(resources.requests?.memory, where).toBeTruthy();
        expect(resources.limits?.memory, where).toBeTruthy();
        for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) expect(c[probe], `${where} ${probe}`).toBeTruthy();
      }
    }
  });

  it('runs the webhook highly available: ≥ 2 replicas, a PodDisruptionBudget, spread over nodes, a preStop delay', () => {
    const objects = render({});
    const webhook = findObject(objects, 'Deployment', `${RELEASE}-webhook`);
    expect((webhook.spec as { replicas: number }).replicas).toBeGreaterThanOrEqual(2);
    const spec = podSpec(webhook) as PodSpec & { topologySpreadConstraints?: { topologyKey: string }[]; terminationGracePeriodSeconds?: number };
    expect(spec.topologySpreadConstraints?.map((t) => t.topologyKey)).toContain('kubernetes.io/hostname');
    const c = spec.containers[0] as Container & { lifecycle?: { preStop?: { sleep?: { seconds: number } } } };
    const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(preStop).toBeGreaterThan(0);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(preStop);
    const pdb = findObject(objects, 'PodDisruptionBudget', `${RELEASE}-webhook`);
    expect((pdb.spec as { minAvailable: number }).minAvailable).toBe(1);
  });

  it('registers the webhook narrowly: CREATE of pods, no side effects, a time-out, Spark roles only, never kube-system or its own namespace', () => {
    const mwc = findObject(render({ webhook: { failurePolicy: 'Fail', excludeNamespaces: ['legacy'] } }), 'MutatingWebhookConfiguration');
    const [w] = mwc.webhooks as Record<string, unknown>[];
    expect(w).toMatchObject({ sideEffects: 'None', failurePolicy: 'Fail', timeoutSeconds: 5, admissionReviewVersions: ['v1'] });
    expect(w?.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }]);
    expect((w?.namespaceSelector as { matchExpressions: { values: string[] }[] }).matchExpressions[0]?.values).toEqual(['kube-system', RELEASE_NAMESPACE, 'legacy']);
    expect(w?.matchConditions).toEqual([{ name: 'spark-driver-or-executor', expression: "object.metadata.labels['spark-role'] in ['driver', 'executor']" }]);
    expect(w?.clientConfig).toMatchObject({ service: { name: `${RELEASE}-webhook`, namespace: RELEASE_NAMESPACE, path: '/mutate', port: 443 } });
  });

  it('wires each TLS mode: selfManaged flags, cert-manager injection, a provided Secret and caBundle', () => {
    const args = (objects: ManifestObject[]): string[] => (podSpec(findObject(objects, 'Deployment', `${RELEASE}-webhook`)).containers[0]?.args ?? []) as string[];
    const self = render({ webhook: { tls: { extraDNSNames: ['127.0.0.1'] } } });
    expect(args(self)).toEqual(
      expect.arrayContaining([
        `--cert-secret=${RELEASE_NAMESPACE}/${RELEASE}-webhook-tls`,
        `--cert-dns-names=${RELEASE}-webhook.${RELEASE_NAMESPACE}.svc,${RELEASE}-webhook.${RELEASE_NAMESPACE}.svc.cluster.local,127.0.0.1`,
        `--webhook-configuration=${RELEASE}`,
      ]),
    );

    const cm = render(VALUE_SETS[2]?.values ?? {});
    expect(findObject(cm, 'MutatingWebhookConfiguration').metadata.annotations).toEqual({ 'cert-manager.io/inject-ca-from': `${RELEASE_NAMESPACE}/${RELEASE}-webhook` });
    expect(findObject(cm, 'Certificate').spec).toMatchObject({
      secretName: `${RELEASE}-webhook-tls`,
      dnsNames: [`${RELEASE}-webhook.${RELEASE_NAMESPACE}.svc`, `${RELEASE}-webhook.${RELEASE_NAMESPACE}.svc.cluster.local`, 'webhook.example.com'],
      ipAddresses: ['10.1.2.3'],
      issuerRef: { name: `${RELEASE}-webhook-selfsigned`, kind: 'Issuer' },
    });
    expect(args(cm)).toEqual(expect.arrayContaining(['--tls-cert-file=/etc/gangplank-tls/tls.crt', '--tls-key-file=/etc/gangplank-tls/tls.key']));

    const provided = render(VALUE_SETS[1]?.values ?? {});
    expect(((findObject(provided, 'MutatingWebhookConfiguration').webhooks as { clientConfig: { caBundle?: string } }[])[0]?.clientConfig.caBundle)).toBe(CA);
    const volumes = podSpec(findObject(provided, 'Deployment', `${RELEASE}-webhook`)).volumes ?? [];
    expect(volumes).toContainEqual({ name: 'tls', secret: { secretName: 'my-tls' } });
  });

  it.each([
    ['provided TLS without a Secret', { webhook: { tls: { mode: 'provided' } } }, 'webhook.tls.provided.secretName is required'],
    ['provided TLS without a caBundle', { webhook: { tls: { mode: 'provided', provided: { secretName: 'x' } } } }, 'webhook.tls.provided.caBundle is required'],
    ['an unknown TLS mode', { webhook: { tls: { mode: 'magic' } } }, '/webhook/tls/mode'],
    ['an unknown failure policy', { webhook: { failurePolicy: 'Sometimes' } }, '/webhook/failurePolicy'],
    ['a single webhook replica of zero', { webhook: { replicas: 0 } }, '/webhook/replicas'],
    ['a misspelt value', { webhok: { replicas: 2 } }, 'webhok'],
    ['a bad validity', { webhook: { tls: { selfManaged: { certValidity: 'a year' } } } }, '/webhook/tls/selfManaged/certValidity'],
  ])('refuses %s with a message naming it', (_name, values, message) => {
    expect(() => render(values)).toThrow(message);
  });

  it('gives each identity exactly the calls docs/rbac.md lists, and no more', () => {
    const doc = parseRbacDoc(readFileSync(join(root, 'docs', 'rbac.md'), 'utf8'));
    for (const mode of ['selfManaged', 'provided', 'certManager'] as const) {
      const values = mode === 'provided' ? (VALUE_SETS[1]?.values ?? {}) : { webhook: { tls: { mode } } };
      const objects = render(values);
      const identities = { webhook: `${RELEASE}-webhook`, scheduler: `${RELEASE}-scheduler` };
      for (const [sa, components] of [
        [identities.webhook, ['webhook']],
        [identities.scheduler, ['extender', 'kube-scheduler']],
      ] as const) {
        const grants = grantsOf(objects, RELEASE_NAMESPACE, sa);
        const rows = doc.calls.filter((r) => (components as readonly string[]).includes(r.component) && (r.when === 'always' || r.when === mode));
        const listed: Call[] = rows.flatMap((r) => rowCalls(r, RELEASE, RELEASE_NAMESPACE));
        for (const call of listed) expect(grantsAllow(grants, call), `${mode}: ${sa} may ${JSON.stringify(call)}`).toBe(true);
        const granted = [...grants.cluster.flatMap((r) => expandRule(r)), ...[...grants.namespaced].flatMap(([ns, rules]) => rules.flatMap((r) => expandRule(r, ns)))];
        for (const call of granted) expect(listedBy(call, listed), `${mode}: ${sa} is granted ${JSON.stringify(call)}, which docs/rbac.md does not list`).toBe(true);
        const roles = doc.roles.filter((r) => (components as readonly string[]).includes(r.component)).map((r) => ({ kind: r.kind, name: r.role, ...(r.namespace ? { namespace: r.namespace } : {}) }));
        expect(grants.external.sort((a, b) => a.name.localeCompare(b.name))).toEqual(roles.sort((a, b) => a.name.localeCompare(b.name)));
      }
    }
  });

  it('grants the ProvisioningRequest calls only when the extender makes them', () => {
    const doc = parseRbacDoc(readFileSync(join(root, 'docs', 'rbac.md'), 'utf8'));
    const sa = `${RELEASE}-scheduler`;
    const optional = doc.calls.filter((r) => r.when === 'provisioningRequests').flatMap((r) => rowCalls(r, RELEASE, RELEASE_NAMESPACE));
    expect(optional.map((c) => c.resource).sort()).toEqual(['podtemplates', 'podtemplates', 'provisioningrequests', 'provisioningrequests']);
    const off = grantsOf(render({}), RELEASE_NAMESPACE, sa);
    const on = grantsOf(render({ config: { extender: { provisioningRequests: { enabled: true } } } }), RELEASE_NAMESPACE, sa);
    for (const call of optional) {
      expect(grantsAllow(off, call), `off: ${JSON.stringify(call)}`).toBe(false);
      expect(grantsAllow(on, call), `on: ${JSON.stringify(call)}`).toBe(true);
    }
    // With it on, the account gets exactly the listed calls: the always rows and these.
    const listed = doc.calls.filter((r) => ['extender', 'kube-scheduler'].includes(r.component) && ['always', 'provisioningRequests'].includes(r.when)).flatMap((r) => rowCalls(r, RELEASE, RELEASE_NAMESPACE));
    const granted = [...on.cluster.flatMap((r) => expandRule(r)), ...[...on.namespaced].flatMap(([ns, rules]) => rules.flatMap((r) => expandRule(r, ns)))];
    for (const call of granted) expect(listedBy(call, listed), `on: ${JSON.stringify(call)} is not listed`).toBe(true);
  });

  it("keeps the Dockerfile's user and the chart's securityContext in step", () => {
    const user = /^USER\s+(\d+):(\d+)\s*$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
    expect(user, 'Dockerfile has a numeric USER uid:gid').toBeTruthy();
    const values = readManifests(join(chartDir, 'values.yaml'))[0] as unknown as { securityContext: { runAsUser: number; runAsGroup: number } };
    expect([Number(user?.[1]), Number(user?.[2])]).toEqual([values.securityContext.runAsUser, values.securityContext.runAsGroup]);
  });
});

describe('the chart on the API server', () => {
  const e2e = useLocalCluster();

  it.each(VALUE_SETS)('creates every object of $name under strict server-side validation', async ({ values }) => {
    const client = e2e.client();
    await installThirdPartyCrds(e2e.client());
    const ns = `check-${VALUE_SETS.findIndex((s) => s.values === values)}`;
    await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } }).catch(() => undefined);
    const objects = render(values, { release: 'check', namespace: ns });
    expect(objects.length).toBeGreaterThan(15);
    for (const obj of objects) {
      const path = `${collectionPath(obj)}?dryRun=All&fieldValidation=Strict`;
      await expect(client.request({ method: 'POST', path, body: obj }), `${obj.kind} ${obj.metadata.name}`).resolves.toBeTruthy();
    }
  });

  it('runs each component under the ServiceAccount the chart gives its container', () => {
    expect(e2e.cluster().identities).toEqual({
      webhook: `system:serviceaccount:${RELEASE_NAMESPACE}:${RELEASE}-webhook`,
      extender: `system:serviceaccount:${RELEASE_NAMESPACE}:${RELEASE}-scheduler`,
      scheduler: `system:serviceaccount:${RELEASE_NAMESPACE}:${RELEASE}-scheduler`,
    });
  });

  it('lets the API server authorise every listed call for its identity, and refuses the webhook what it must not do', async () => {
    const doc = parseRbacDoc(readFileSync(join(root, 'docs', 'rbac.md'), 'utf8'));
    const users = { webhook: `${RELEASE}-webhook`, extender: `${RELEASE}-scheduler`, 'kube-scheduler': `${RELEASE}-scheduler` } as Record<string, string>;
    for (const row of doc.calls.filter((r) => r.when === 'always' || r.when === 'selfManaged')) {
      for (const call of rowCalls(row, RELEASE, RELEASE_NAMESPACE)) {
        expect(await allowed(e2e.client(), users[row.component] as string, call), `${row.component} ${JSON.stringify(call)}`).toBe(true);
      }
    }
    const refused: [string, Call][] = [
      [users.webhook as string, { verb: 'create', group: '', resource: 'pods/binding', namespace: 'spark' }],
      [users.webhook as string, { verb: 'patch', group: '', resource: 'pods', namespace: 'spark' }],
      [users.webhook as string, { verb: 'get', group: '', resource: 'secrets', namespace: RELEASE_NAMESPACE, name: 'someone-else' }],
      [users.webhook as string, { verb: 'get', group: '', resource: 'secrets', namespace: 'spark', name: `${RELEASE}-webhook-tls` }],
      [users.extender as string, { verb: 'list', group: '', resource: 'secrets' }],
      [users.extender as string, { verb: 'create', group: '', resource: 'pods', namespace: 'spark' }],
      [users.extender as string, { verb: 'update', group: '', resource: 'configmaps', namespace: 'spark', name: 'spark-drv-conf-map' }],
      [users.webhook as string, { verb: 'patch', group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', name: 'another-webhook' }],
    ];
    for (const [user, call] of refused) expect(await allowed(e2e.client(), user, call), `${user} must not ${JSON.stringify(call)}`).toBe(false);
  });

  it('self-managed TLS: the webhook created its Secret and filled the caBundle it is trusted by', async () => {
    const client = e2e.client();
    const secret = await client.request<{ type: string; data: Record<string, string> }>({ path: `/api/v1/namespaces/${RELEASE_NAMESPACE}/secrets/${RELEASE}-webhook-tls` });
    expect(secret.type).toBe('kubernetes.io/tls');
    const mwc = await client.request<{ webhooks: { clientConfig: { caBundle?: string } }[] }>({
      path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${RELEASE}`,
    });
    const bundle = Buffer.from(mwc.webhooks[0]?.clientConfig.caBundle ?? '', 'base64').toString('utf8');
    expect(bundle).toContain(Buffer.from(secret.data['ca.crt'] ?? '', 'base64').toString('utf8').trim());
  });
});

type Client = ReturnType<ReturnType<typeof useLocalCluster>['client']>;

async function allowed(client: Client, sa: string, call: Call): Promise<boolean> {
  const [resource, subresource] = call.resource.split('/');
  const res = await client.request<{ status: { allowed: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${RELEASE_NAMESPACE}:${sa}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${RELEASE_NAMESPACE}`, 'system:authenticated'],
        resourceAttributes: { verb: call.verb, group: call.group, resource, ...(subresource ? { subresource } : {}), ...(call.namespace ? { namespace: call.namespace } : {}), ...(call.name ? { name: call.name } : {}) },
      },
    },
  });
  return res.status.allowed;
}

let crdsInstalled = false;
async function installThirdPartyCrds(client: Client): Promise<void> {
  if (crdsInstalled) return;
  const crds = readManifests(join(root, 'test', 'fixtures', 'crds', 'third-party.yaml'));
  for (const crd of crds) await client.request({ method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: crd }).catch(() => undefined);
  for (const crd of crds) {
    const spec = crd.spec as { group: string; versions: { name: string }[]; names: { plural: string } };
    await waitFor(`${crd.metadata.name} served`, async () => {
      const list = await client.request<{ resources?: { name: string }[] }>({ path: `/apis/${spec.group}/${spec.versions[0]?.name}` }).catch(() => ({ resources: [] }));
      return (list.resources ?? []).some((r) => r.name === spec.names.plural);
    }, 30_000);
  }
  crdsInstalled = true;
}
