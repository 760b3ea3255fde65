// Structured JSON logs. The root logger is built once in main.ts and passed
// down; handlers take a child per request (docs/architecture.md, "No
// singletons, injected dependencies").
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'gangplank' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as DestinationStream | undefined,
  );
}

/** A logger that writes nowhere, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Log keys used across modules, so dashboards can rely on them. */
export const LogKey = {
  uid: 'uid',
  pod: 'pod',
  namespace: 'namespace',
  gang: 'gang',
  verb: 'verb',
  node: 'node',
  reason: 'reason',
  durationMs: 'durationMs',
} as const;
