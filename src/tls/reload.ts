// Serve HTTPS from cert/key files and pick up rotated files without a
// restart. Kubernetes updates mounted Secrets by swapping a symlink, which
// inotify-based fs.watch misses; polling the files' content is reliable.
import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { TLS_POLICY } from './policy.js';

export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface LoadedPair {
  readonly cert: string;
  readonly key: string;
}

export function readPair(files: CertFiles): LoadedPair {
  return { cert: readFileSync(files.certFile, 'utf8'), key: readFileSync(files.keyFile, 'utf8') };
}

/**
 * Poll `files` every `intervalMs` and swap the server's secure context when
 * their content changes. A half-written pair (cert and key from different
 * rotations) fails setSecureContext; we keep serving the old pair and retry.
 * Returns a function that stops polling.
 */
export function watchCertFiles(
  server: HttpsServer,
  files: CertFiles,
  initial: LoadedPair,
  logger: Logger,
  intervalMs = 10_000,
): () => void {
  let current = initial;
  const timer = setInterval(() => {
    let next: LoadedPair;
    try {
      next = readPair(files);
    } catch (err) {
      logger.warn({ err: String(err) }, 'cannot read TLS files; keeping the current certificate');
      return;
    }
    if (next.cert === current.cert && next.key === current.key) return;
    try {
      server.setSecureContext({ cert: next.cert, key: next.key, ...TLS_POLICY });
      current = next;
      logger.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    } catch (err) {
      logger.warn({ err: String(err) }, 'new TLS files do not form a pair yet; keeping the current certificate');
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
