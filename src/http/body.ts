// Request bodies and plain answers for the plain node:http listeners (the
// webhook, docs/adr/0003-webhook-plain-listener.md, and the extender).
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface BodyError {
  readonly status: number;
  readonly message: string;
}

export function send(res: ServerResponse, status: number, contentType: string, body: string, close = false): void {
  const headers: Record<string, string | number> = { 'content-type': contentType, 'content-length': Buffer.byteLength(body) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

export const sendText = (res: ServerResponse, status: number, message: string, close = false): void => send(res, status, 'text/plain; charset=utf-8', message, close);

/**
 * The request body, or an HTTP status and message when it cannot be had.
 * The limit is checked against Content-Length first (no read at all) and
 * again while reading (chunked bodies).
 */
export function readBody(req: IncomingMessage, limit: number, done: (err: BodyError | null, body?: string) => void): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    done({ status: 413, message: `request body too large: ${declared} bytes, limit ${limit}` });
    return;
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    req.resume();
    done({ status: 415, message: `unsupported content-encoding ${encoding}` });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > limit) {
      finished = true;
      chunks.length = 0;
      done({ status: 413, message: `request body too large: more than ${limit} bytes` });
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (finished) return;
    finished = true;
    done(null, (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)).toString('utf8'));
  });
  req.on('error', (err) => {
    if (finished) return;
    finished = true;
    done({ status: 400, message: `cannot read the request body: ${err.message}` });
  });
}
