// The ops port: liveness, readiness and metrics, apart from the serving
// ports so that a busy webhook never starves the kubelet's probes.
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  readonly name: string;
  /** null when ready, else why not. */
  check(): string | null;
}

export interface OpsDeps {
  readonly registry: Registry;
  readonly readiness: readonly ReadinessCheck[];
  /** The extender's gangs (src/gang/report.ts) for GET /debug/gangs; absent: 404 (webhook only). */
  readonly gangs?: () => unknown;
}

export function buildOpsApp({ registry, readiness, gangs }: OpsDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const failing = readiness
      .map((r) => ({ name: r.name, why: r.check() }))
      .filter((r): r is { name: string; why: string } => r.why !== null);
    if (failing.length === 0) {
      res.type('text/plain').send('ok');
    } else {
      res
        .status(503)
        .type('text/plain')
        .send(failing.map((f) => `${f.name}: ${f.why}`).join('\n'));
    }
  });
  app.get('/metrics', async (_req, res, next) => {
    try {
      const body = await registry.metrics();
      res.type(registry.contentType).send(body);
    } catch (err) {
      next(err);
    }
  });
  // Read-only, names and numbers only (no pod specs, no secrets): what `kubectl gangplank` reads.
  if (gangs) {
    app.get('/debug/gangs', (_req, res) => {
      res.set('cache-control', 'no-store').json(gangs());
    });
  }
  return app;
}
