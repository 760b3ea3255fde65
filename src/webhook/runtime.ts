// Start-up of the webhook role: API caches (when there is API access), TLS
// (files, or self-managed in a Secret), the HTTP server.
//
// Standalone mode: without --kubeconfig, KUBECONFIG or in-cluster config the
// webhook runs with inline and file templates only; profiles that name a
// ConfigMap template are shaped without it, with a warning on the pod.
import type { RequestListener } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { UsageError, type Command } from '../cli.js';
import type { Config } from '../config/index.js';
import { listen } from '../http/serve.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/index.js';
import { parseDuration } from '../duration.js';
import { flag, kubeClient, type Running } from '../runtime.js';
import type { KeyPair } from '../tls/certs.js';
import { buildWebhookApp } from './app.js';
import { startWebhookCaches, type WebhookCaches } from './caches.js';
import { startCertManager } from './certmanager.js';
import { reviewRequest } from './review.js';
import { createTemplateSource } from './templates.js';
import { TLS_POLICY } from '../tls/policy.js';

export async function startWebhook(cmd: Command, config: Config, logger: Logger, metrics: Metrics, run: Running): Promise<void> {
  const host = (cmd.role === 'serve' ? flag(cmd, 'webhook-host') : flag(cmd, 'host')) ?? '0.0.0.0';
  const port = Number((cmd.role === 'serve' ? flag(cmd, 'webhook-port') : flag(cmd, 'port')) ?? 8443);
  const certFile = flag(cmd, 'tls-cert-file');
  const keyFile = flag(cmd, 'tls-key-file');
  const certSecret = flag(cmd, 'cert-secret');
  if (certSecret && certFile) throw new UsageError('give either --cert-secret or --tls-cert-file/--tls-key-file, not both');
  if (!certSecret && (!certFile || !keyFile)) {
    throw new UsageError(
      'the webhook serves HTTPS: give --tls-cert-file and --tls-key-file (certs/make-dev-certs.sh makes a development pair), or --cert-secret ns/name to manage its own',
    );
  }
  const log = logger.child({ role: 'webhook' });
  const client = kubeClient(cmd, Boolean(certSecret), log);

  let caches: WebhookCaches | undefined;
  if (client) {
    caches = await startWebhookCaches(client, config, log, metrics);
    run.readiness.push(...caches.readiness);
    const c = caches;
    run.stoppers.push(() => c.stop());
  }
  const templates = createTemplateSource(caches?.configMaps);
  const context = { config, templates, sparkApplications: caches?.sparkApplications, drivers: caches?.drivers };
  const app = buildWebhookApp({
    config,
    logger: log,
    metrics,
    review: (request, l) => reviewRequest(request, () => context, config.webhook.onError, l),
  });

  if (certSecret && client) {
    const dnsNames = (flag(cmd, 'cert-dns-names') ?? 'gangplank-webhook.gangplank-system.svc')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    // Set once listening; the manager may hand over a renewed pair any time after.
    const serving: { server?: HttpsServer } = {};
    const DAY_MS = 86_400_000;
    const servingMs = parseDuration(flag(cmd, 'cert-validity') ?? '8760h') as number;
    const caMs = parseDuration(flag(cmd, 'ca-validity') ?? '87600h') as number;
    const manager = startCertManager({
      client,
      secret: certSecret,
      webhookConfiguration: flag(cmd, 'webhook-configuration') ?? 'gangplank',
      policy: { dnsNames, servingDays: servingMs / DAY_MS, caDays: caMs / DAY_MS },
      // Renewal happens with a third of a lifetime left: look often enough to catch it.
      intervalMs: Math.min(5 * 60_000, Math.max(1_000, Math.floor(Math.min(servingMs, caMs) / 6))),
      propagationMs: Math.min(10_000, Math.max(1_000, Math.floor(Math.min(servingMs, caMs) / 10))),
      logger: log,
      onPair: (pair: KeyPair) => {
        if (serving.server) {
          serving.server.setSecureContext({ cert: pair.cert, key: pair.key, ...TLS_POLICY });
          log.info('serving certificate swapped');
        }
      },
    });
    run.stoppers.push(async () => manager.stop());
    const pair = await manager.reconcile();
    const listening = await listen(app as unknown as RequestListener, { name: 'webhook', host, port, tls: pair, logger: log });
    serving.server = listening.server as HttpsServer;
    run.servers.push(listening);
    return;
  }
  run.servers.push(
    await listen(app as unknown as RequestListener, { name: 'webhook', host, port, tls: { certFile: certFile as string, keyFile: keyFile as string }, logger: log }),
  );
}
