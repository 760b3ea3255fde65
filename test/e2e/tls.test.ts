// Self-managed TLS end to end, installed from the chart's default mode with
// short lifetimes: the webhook keeps its CA and serving certificate in a
// Secret, fills and updates the caBundle of its MutatingWebhookConfiguration,
// and rotates both while the API server keeps calling it. With
// failurePolicy Ignore a failed call would admit the pod unshaped, so every
// pod created during the rotations must come back shaped.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { RELEASE, RELEASE_NAMESPACE } from '../../dev/cluster/chart.js';
import { makePod } from '../support/pod.js';
import { metricValue, useLocalCluster } from './support/cluster.js';

// Serving certificate renewed every ~20 s, CA every ~30 s (a third of each lifetime left).
const CERT_VALIDITY = '30s';
const CA_VALIDITY = '45s';
const RUN_MS = 75_000;

describe('self-managed webhook TLS', () => {
  const e2e = useLocalCluster({ values: { webhook: { tls: { selfManaged: { certValidity: CERT_VALIDITY, caValidity: CA_VALIDITY } } } } });

  it(
    'rotates the serving certificate and the CA with zero failed admissions',
    async () => {
      const client = e2e.client();
      const ns = await e2e.namespace('tls');
      const secretPath = `/api/v1/namespaces/${RELEASE_NAMESPACE}/secrets/${RELEASE}-webhook-tls`;
      const servingCerts = new Set<string>();
      const cas = new Set<string>();
      const errorsBefore = metricValue((await e2e.cluster().ops('/metrics', 'webhook')).body, 'gangplank_admission_errors_total');
      let created = 0;
      const unshaped: string[] = [];
      const deadline = Date.now() + RUN_MS;
      while (Date.now() < deadline) {
        const secret = await client.request<{ data: Record<string, string> }>({ path: secretPath });
        servingCerts.add(secret.data['tls.crt'] ?? '');
        cas.add(secret.data['ca.crt'] ?? '');
        const name = `rotating-${created++}-driver`;
        const pod = await client.request<V1Pod>({
          method: 'POST',
          path: `/api/v1/namespaces/${ns}/pods`,
          body: makePod(name).ns(ns).sparkApp('rotating', `spark-${String(created).padStart(32, '0')}`).role('driver').requests({ cpu: '1', memory: '1408Mi' }).obj(),
        });
        if (pod.spec?.schedulerName !== 'gangplank-scheduler') unshaped.push(name);
        await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${name}`, body: { gracePeriodSeconds: 0 } });
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(unshaped, `pods admitted unshaped during rotation (of ${created})`).toEqual([]);
      expect(created).toBeGreaterThan(100);
      expect(servingCerts.size, 'serving certificates seen').toBeGreaterThanOrEqual(3);
      expect(cas.size, 'CAs seen').toBeGreaterThanOrEqual(2);
      const errorsAfter = metricValue((await e2e.cluster().ops('/metrics', 'webhook')).body, 'gangplank_admission_errors_total');
      expect(errorsAfter).toBe(errorsBefore);
    },
    RUN_MS + 60_000,
  );
});
