#!/usr/bin/env node
// Composition root: flags, config, servers, signals. App factories never
// listen; everything that opens a port or a watch is started and stopped here.
import type { RequestListener } from 'node:http';
import { parseCommand, UsageError, type Command } from './cli.js';
import { ConfigError, loadConfig, readEnvironment, type Config } from './config/index.js';
import { buildExtenderApp } from './extender/app.js';
import { bindVerb } from './extender/verbs/bind.js';
import { filterVerb } from './extender/verbs/filter.js';
import { prioritizeVerb } from './extender/verbs/prioritize.js';
import { verb } from './extender/verb.js';
import { listen, type Listening } from './http/serve.js';
import { createKubeClient, loadKubeConfig, type KubeClient } from './k8s/client.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { buildOpsApp, type ReadinessCheck } from './ops/app.js';
import { buildWebhookApp } from './webhook/app.js';

interface Running {
  readonly servers: Listening[];
  readonly stoppers: (() => Promise<void>)[];
  readonly readiness: ReadinessCheck[];
}

function flag(cmd: Command, name: keyof Command['flags']): string | undefined {
  const v = cmd.flags[name];
  return typeof v === 'string' ? v : undefined;
}

function kubeClient(cmd: Command, required: boolean, log: Logger): KubeClient | undefined {
  const env = readEnvironment();
  const file = flag(cmd, 'kubeconfig') ?? env.kubeconfig;
  if (!file && !env.inCluster) {
    if (required) throw new UsageError('the extender needs API access: give --kubeconfig, set KUBECONFIG, or run in a cluster');
    log.info('no kubeconfig: running standalone, without API access');
    return undefined;
  }
  return createKubeClient(loadKubeConfig(file, !file && env.inCluster));
}

async function startWebhook(cmd: Command, config: Config, logger: Logger, metrics: Metrics, run: Running): Promise<void> {
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

async function startExtender(cmd: Command, _config: Config, logger: Logger, metrics: Metrics, run: Running): Promise<void> {
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

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`gangplank: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if ('help' in parsed) {
    process.stdout.write(`${parsed.help}\n`);
    return 0;
  }
  const cmd = parsed;
  const env = readEnvironment();
  const logger = createLogger(flag(cmd, 'log-level') ?? env.logLevel);
  let config: Config;
  try {
    config = loadConfig(flag(cmd, 'config'));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gangplank: ${err.message}\n`);
      logger.error({ source: err.source, problems: err.problems }, 'invalid configuration');
      return 1;
    }
    throw err;
  }
  logger.info({ role: cmd.role, config }, 'effective configuration');

  const metrics = createMetrics();
  const run: Running = { servers: [], stoppers: [], readiness: [] };
  const shutdown = async (): Promise<void> => {
    const grace = Number(flag(cmd, 'shutdown-grace-seconds') ?? 10) * 1000;
    await Promise.all(run.servers.map((s) => s.close(grace)));
    await Promise.all(run.stoppers.map((s) => s()));
  };
  try {
    if (cmd.role === 'serve' || cmd.role === 'webhook') await startWebhook(cmd, config, logger, metrics, run);
    if (cmd.role === 'serve' || cmd.role === 'extender') await startExtender(cmd, config, logger, metrics, run);
    const ops = buildOpsApp({ registry: metrics.registry, readiness: run.readiness });
    run.servers.push(
      await listen(ops as unknown as RequestListener, {
        name: 'ops',
        host: flag(cmd, 'ops-host') ?? '0.0.0.0',
        port: Number(flag(cmd, 'ops-port') ?? 9090),
        logger,
      }),
    );
  } catch (err) {
    await shutdown();
    if (err instanceof UsageError) {
      process.stderr.write(`gangplank: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining in-flight requests');
      shutdown().then(
        () => {
          logger.info('stopped');
          resolve(0);
        },
        (err: unknown) => {
          logger.error({ err: String(err) }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`gangplank: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
