// The API client against a server on port 0: a discarded answer is not parsed
// (and is undefined), an error is still read and reported with its message.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createKubeClient } from '../../../src/k8s/client.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

async function api(status: number, body: string): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('KubeClient.request', () => {
  it('discardBody: a successful answer is drained, not parsed', async () => {
    // Not JSON at all: parsing it would have returned the text.
    const client = createKubeClient({ server: await api(200, '{"kind":"Pod", not json') });
    await expect(client.request({ method: 'PATCH', path: '/api/v1/namespaces/a/pods/b', body: {}, discardBody: true })).resolves.toBeUndefined();
    await expect(client.request({ method: 'PATCH', path: '/api/v1/namespaces/a/pods/b', body: {} })).resolves.toBe('{"kind":"Pod", not json');
  });

  it('discardBody: an error is still read, with the API server\'s reason and message', async () => {
    const client = createKubeClient({ server: await api(409, JSON.stringify({ kind: 'Status', reason: 'Conflict', message: 'the object has been modified' })) });
    const err = await client.request({ method: 'PATCH', path: '/x', body: {}, discardBody: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).message).toMatch(/the object has been modified/);
  });
});
