// JSON body handling shared by the webhook and extender adapters: a size
// limit, and clear 400/413 answers instead of express's HTML error pages.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';

export function jsonBody(limitBytes: number): RequestHandler {
  // `type: () => true`: the API server and kube-scheduler send application/json,
  // but a missing or odd content type should not silently yield an empty body.
  return express.json({ limit: limitBytes, strict: true, type: () => true });
}

/** Express error handler: body-parser's errors become 400/413 with a message. */
export function jsonErrors(onError?: (kind: 'malformed' | 'too_large' | 'internal', err: unknown) => void): ErrorRequestHandler {
  return (err: { type?: string; status?: number; message?: string }, _req, res, _next) => {
    if (err.type === 'entity.too.large') {
      onError?.('too_large', err);
      res.status(413).type('text/plain').send(`request body too large: ${err.message ?? ''}`);
    } else if (err.type === 'entity.parse.failed' || err.status === 400) {
      onError?.('malformed', err);
      res.status(400).type('text/plain').send(`malformed JSON body: ${err.message ?? ''}`);
    } else {
      onError?.('internal', err);
      res.status(500).type('text/plain').send(`internal error: ${err.message ?? String(err)}`);
    }
  };
}
