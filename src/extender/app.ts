// HTTP adapter of the extender: a plain node:http listener with one route per
// verb from a typed list, in a fixed order (the webhook's shape, ADR 0003 and
// docs/adr/0007-extender-plain-listener.md). kube-scheduler calls the
// extender one pod at a time, so the latency of one call bounds its
// throughput: the adapter reads the body, JSON.parse, decides, and writes the
// answer with the verb's own encoder (src/extender/encode.ts); no framework
// set-up, body-parser, or per-request child logger.
//
// Error policy (docs/architecture.md, "Failure policy at each boundary"): a
// malformed body is HTTP 400 (413 over the limit); a failure while deciding is
// HTTP 200 with `Error` (the scheduler then retries the pod); a filter answer
// never names a node outside its input.
import type { RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { readBody, send, sendText } from '../http/body.js';
import type { Metrics } from '../metrics/index.js';
import { escapeFree } from './encode.js';
import type { ExtenderVerb } from './verb.js';

export interface ExtenderAppDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly verbs: readonly ExtenderVerb<unknown, unknown>[];
  /** Extender bodies carry a whole NodeList when not nodeCacheCapable: allow large ones. */
  readonly maxBodyBytes?: number;
}

const JSON_TYPE = 'application/json';

export function buildExtenderApp(deps: ExtenderAppDeps): RequestListener {
  const { logger, metrics } = deps;
  const limit = deps.maxBodyBytes ?? 64 * 1024 * 1024;
  // One child logger per verb, made once: its only binding is the verb.
  const routes = new Map(deps.verbs.map((v) => [`/${v.name}`, { verb: v, log: logger.child({ verb: v.name }) }]));
  const served = [...routes.keys()].join(', ');

  const answer = (res: ServerResponse, verb: ExtenderVerb<unknown, unknown>, out: unknown, plain: boolean): void => {
    send(res, 200, JSON_TYPE, verb.encode ? verb.encode(out, plain) : JSON.stringify(out));
  };

  const serve = (res: ServerResponse, route: { verb: ExtenderVerb<unknown, unknown>; log: Logger }, raw: string): void => {
    const { verb, log } = route;
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (err) {
      metrics.extenderErrors.inc({ verb: verb.name, kind: 'malformed' });
      sendText(res, 400, `malformed JSON body: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const problem = verb.malformed(body);
    if (problem) {
      metrics.extenderErrors.inc({ verb: verb.name, kind: 'malformed' });
      sendText(res, 400, `malformed ${verb.wireName}: ${problem}`);
      return;
    }
    const plain = escapeFree(raw);
    const end = metrics.extenderDuration.startTimer({ verb: verb.name });
    const failed = (err: unknown): void => {
      metrics.extenderErrors.inc({ verb: verb.name, kind: 'internal' });
      log.error({ err: String(err) }, 'extender verb failed');
      answer(res, verb, verb.onError(err), plain);
    };
    let out: unknown;
    try {
      out = verb.handle(body, log);
    } catch (err) {
      failed(err);
      end();
      return;
    }
    // Filter and prioritize decide synchronously; only bind waits for the API server.
    if (out instanceof Promise) {
      out.then(
        (o: unknown) => answer(res, verb, o, plain),
        (err: unknown) => failed(err),
      ).finally(end);
      return;
    }
    answer(res, verb, out, plain);
    end();
  };

  return (req, res) => {
    const q = req.url?.indexOf('?') ?? -1;
    const path = q < 0 ? (req.url ?? '') : (req.url ?? '').slice(0, q);
    const route = routes.get(path);
    if (!route) {
      req.resume();
      sendText(res, 404, `not found: ${req.method ?? ''} ${path}; the extender serves POST ${served}`);
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      sendText(res, 405, `method ${req.method ?? ''} not allowed on ${path}; use POST`);
      return;
    }
    readBody(req, limit, (err, raw) => {
      if (err) {
        metrics.extenderErrors.inc({ verb: route.verb.name, kind: 'malformed' });
        // The rest of an oversized body is not read: close the connection after answering.
        sendText(res, err.status, err.message, err.status === 413);
        return;
      }
      try {
        serve(res, route, raw as string);
      } catch (e) {
        // Only a bug gets here (encoders and metrics do not throw); answer and keep serving.
        metrics.extenderErrors.inc({ verb: route.verb.name, kind: 'internal' });
        logger.error({ err: e instanceof Error ? e.message : String(e) }, 'extender handler failed');
        if (!res.headersSent) sendText(res, 500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  };
}
