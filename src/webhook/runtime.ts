// Start-up of the webhook role: TLS, template sources, the HTTP server.
import type { RequestListener } from 'node:http';
import { UsageError, type Command } from '../cli.js';
import type { Config } from '../config/index.js';
import { listen } from '../http/serve.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/index.js';
import { flag, type Running } from '../runtime.js';
import { buildWebhookApp } from './app.js';

export async function startWebhook(cmd: Command, config: Config, logger: Logger, metrics: Metrics, run: Running): Promise<void> {
  const host = (cmd.role === 'serve' ? flag(cmd, 'webhook-host') : flag(cmd, 'host')) ?? '0.0.0.0';
  const port = Number((cmd.role === 'serve' ? flag(cmd, 'webhook-port') : flag(cmd, 'port')) ?? 8443);
  const certFile = flag(cmd, 'tls-cert-file');
  const keyFile = flag(cmd, 'tls-key-file');
  if (!certFile || !keyFile) {
    throw new UsageError('the webhook serves HTTPS: give --tls-cert-file and --tls-key-file (certs/make-dev-certs.sh makes a development pair)');
  }
  const log = logger.child({ role: 'webhook' });
  const app = buildWebhookApp({
    config,
    logger: log,
    metrics,
    // PLUMBING ONLY (issue 2): every pod is allowed unchanged.
    review: (request) => ({ uid: request.uid, allowed: true }),
  });
  run.servers.push(
    await listen(app as unknown as RequestListener, { name: 'webhook', host, port, tls: { certFile, keyFile }, logger: log }),
  );
}

