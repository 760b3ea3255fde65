// HTTP adapter of the extender: one route per verb from a typed map, in a
// fixed order. Error policy (docs/architecture.md, "Failure policy at each
// boundary"): a malformed body is HTTP 400; a failure while deciding is HTTP
// 200 with `Error` (the scheduler then retries the pod); a filter answer never
// names a node outside its input.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { jsonBody, jsonErrors } from '../http/json.js';
import type { Metrics } from '../metrics/index.js';
import type { ExtenderVerb } from './verb.js';

export interface ExtenderAppDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly verbs: readonly ExtenderVerb<unknown, unknown>[];
  /** Extender bodies carry a whole NodeList when not nodeCacheCapable: allow large ones. */
  readonly maxBodyBytes?: number;
}

export function buildExtenderApp(deps: ExtenderAppDeps): Express {
  const { logger, metrics } = deps;
  const app = express();
  // Answers are never cached; hashing 150 KiB of priorities for an ETag costs ~0.1 ms a call.
  app.set('etag', false);
  app.disable('x-powered-by');
  const body = jsonBody(deps.maxBodyBytes ?? 64 * 1024 * 1024);
  for (const verb of deps.verbs) {
    app.post(`/${verb.name}`, body, async (req, res) => {
      const problem = verb.malformed(req.body);
      if (problem) {
        metrics.extenderErrors.inc({ verb: verb.name, kind: 'malformed' });
        res.status(400).type('text/plain').send(`malformed ${verb.wireName}: ${problem}`);
        return;
      }
      const end = metrics.extenderDuration.startTimer({ verb: verb.name });
      const log = logger.child({ verb: verb.name });
      try {
        res.json(await verb.handle(req.body, log));
      } catch (err) {
        metrics.extenderErrors.inc({ verb: verb.name, kind: 'internal' });
        log.error({ err: String(err) }, 'extender verb failed');
        res.json(verb.onError(err));
      } finally {
        end();
      }
    });
  }
  app.use(jsonErrors());
  return app;
}
