// Listening and shutdown live here and in main.ts only; app factories never
// listen (docs/architecture.md, "Conventions").
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { readPair, watchCertFiles, type CertFiles, type LoadedPair } from '../tls/reload.js';
import { TLS_POLICY } from '../tls/policy.js';

/**
 * Go's http.Transport closes idle connections after 90 s (IdleConnTimeout).
 * A server that closes first races the client's reuse and the API server
 * logs "connection reset"; so we keep connections open longer than that.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;

export interface ListenOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Serve HTTPS from these files (reloaded on change) or from this pair. */
  readonly tls?: CertFiles | LoadedPair;
  /** With tls: accept only clients whose certificate this PEM CA signed (mutual TLS). */
  readonly clientCa?: string;
  readonly logger: Logger;
  readonly certReloadIntervalMs?: number;
}

export interface Listening {
  readonly name: string;
  readonly server: Server | HttpsServer;
  readonly port: number;
  readonly url: string;
  /** Stop accepting, let in-flight requests finish (up to `graceMs`), then close. */
  close(graceMs?: number): Promise<void>;
}

export async function listen(handler: RequestListener, options: ListenOptions): Promise<Listening> {
  const { logger } = options;
  let stopWatching = (): void => {};
  let server: Server | HttpsServer;
  if (options.tls) {
    const pair = 'certFile' in options.tls ? readPair(options.tls) : options.tls;
    const mtls = options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {};
    const https = createHttpsServer({ cert: pair.cert, key: pair.key, ...TLS_POLICY, ...mtls }, handler);
    if ('certFile' in options.tls) {
      stopWatching = watchCertFiles(https, options.tls, pair, logger, options.certReloadIntervalMs);
    }
    server = https;
  } else {
    server = createHttpServer(handler);
  }
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 5_000;
  server.requestTimeout = 30_000;

  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'https' : 'http';
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `${scheme}://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${port}`;
  logger.info({ server: options.name, url }, 'listening');

  return {
    name: options.name,
    server,
    port,
    url,
    close(graceMs = 10_000) {
      stopWatching();
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, graceMs);
        force.unref();
        // Keep-alive connections that finish their request after close() would
        // otherwise stay open (and hold close() up) until they time out.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
