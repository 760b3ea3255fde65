#!/usr/bin/env node
// Composition root: flags, config, servers, signals. App factories never
// listen; everything that opens a port or a watch is started and stopped here.
import type { RequestListener } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { parseCommand, UsageError } from './cli.js';
import { ConfigError, loadConfig, readEnvironment, type Config } from './config/index.js';
import { startExtender } from './extender/runtime.js';
import { listen } from './http/serve.js';
import { createLogger } from './log.js';
import { createMetrics } from './metrics/index.js';
import { buildOpsApp } from './ops/app.js';
import { checkFlagFiles } from './preflight.js';
import { flag, type Running } from './runtime.js';
import { VERSION } from './version.js';
import { startWebhook } from './webhook/runtime.js';

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
  if ('version' in parsed) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const cmd = parsed;
  // Not allowed in NODE_OPTIONS, so set here, before the informers fill the heap.
  const growing = Number(flag(cmd, 'heap-growing-percent') ?? 0);
  if (growing > 0) setFlagsFromString(`--heap-growing-percent=${growing}`);
  const env = readEnvironment();
  const logger = createLogger(flag(cmd, 'log-level') ?? env.logLevel);
  // Files and configuration are checked together so that one failed start
  // reports every problem an operator has to fix.
  const fileProblems = checkFlagFiles(cmd);
  for (const p of fileProblems) process.stderr.write(`gangplank: ${p}\n`);
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
  if (fileProblems.length > 0) return 1;
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
    const ops = buildOpsApp({ registry: metrics.registry, readiness: run.readiness, gangs: run.gangs });
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
