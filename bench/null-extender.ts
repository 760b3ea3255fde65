// A do-nothing scheduler extender, for the scheduler benchmark's floor: the
// same wire calls kube-scheduler makes to Gangplank (filter, prioritize, bind
// over HTTP on 127.0.0.1, node names only), answered with no decision at all
// (every node passes, no scores) and the Binding written with the same API
// client Gangplank uses. What a kube-scheduler reaches with it is what any
// extender of this shape can reach on this machine; the gap between it and
// Gangplank is Gangplank's own work.
//
// Run as a child process: node dist/bench/null-extender.js PORT KUBECONFIG
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createKubeClient, loadKubeConfig } from '../src/k8s/client.js';

interface Args {
  Pod?: { metadata?: { name?: string; namespace?: string; uid?: string } };
  NodeNames?: string[];
  PodName?: string;
  PodNamespace?: string;
  PodUID?: string;
  Node?: string;
}

const [port, kubeconfig] = process.argv.slice(2);
const client = createKubeClient(loadKubeConfig(kubeconfig));

function body(req: IncomingMessage): Promise<Args> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Args);
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  body(req).then(
    async (args) => {
      switch (req.url) {
        case '/filter':
          answer(res, { NodeNames: args.NodeNames ?? [], FailedNodes: {}, Error: '' });
          return;
        case '/prioritize':
          answer(res, []);
          return;
        case '/bind':
          try {
            await client.request({
              method: 'POST',
              path: `/api/v1/namespaces/${encodeURIComponent(args.PodNamespace ?? '')}/pods/${encodeURIComponent(args.PodName ?? '')}/binding`,
              body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: args.PodName, namespace: args.PodNamespace, uid: args.PodUID }, target: { apiVersion: 'v1', kind: 'Node', name: args.Node } },
              discardBody: true,
            });
            answer(res, { Error: '' });
          } catch (err) {
            answer(res, { Error: err instanceof Error ? err.message : String(err) });
          }
          return;
        default:
          res.writeHead(404).end();
      }
    },
    (err: unknown) => {
      res.writeHead(400).end(String(err));
    },
  );
});
server.listen(Number(port), '127.0.0.1', () => console.log(`null extender on 127.0.0.1:${port}`));
