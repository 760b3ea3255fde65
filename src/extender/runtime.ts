// Start-up of the extender role: API client, caches, verbs, the HTTP server.
import type { RequestListener } from 'node:http';
import type { Command } from '../cli.js';
import type { Config } from '../config/index.js';
import { listen } from '../http/serve.js';
import type { KubeClient } from '../k8s/client.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/index.js';
import { flag, kubeClient, type Running } from '../runtime.js';
import { buildExtenderApp } from './app.js';
import { verb } from './verb.js';
import { bindVerb } from './verbs/bind.js';
import { filterVerb } from './verbs/filter.js';
import { prioritizeVerb } from './verbs/prioritize.js';

export async function startExtender(cmd: Command, _config: Config, logger: Logger, metrics: Metrics, run: Running): Promise<void> {
  const host = (cmd.role === 'serve' ? flag(cmd, 'extender-host') : flag(cmd, 'host')) ?? '127.0.0.1';
  const port = Number((cmd.role === 'serve' ? flag(cmd, 'extender-port') : flag(cmd, 'port')) ?? 8888);
  const log = logger.child({ role: 'extender' });
  const client = kubeClient(cmd, true, log) as KubeClient;
  const app = buildExtenderApp({ logger: log, metrics, verbs: [verb(filterVerb), verb(prioritizeVerb), verb(bindVerb(client))] });
  const certFile = flag(cmd, 'extender-tls-cert-file');
  const keyFile = flag(cmd, 'extender-tls-key-file');
  const tls = certFile && keyFile ? { certFile, keyFile } : undefined;
  run.servers.push(await listen(app as unknown as RequestListener, { name: 'extender', host, port, tls, logger: log }));
}

