// The Helm chart, rendered as users install it: `helm template` with a values
// file, parsed into the objects the harness creates through the API.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { ManifestObject } from './apply.js';

export interface RenderOptions {
  /** Path of the helm binary (test/tools/helm/build.sh prints it). */
  readonly helm: string;
  readonly chartDir: string;
  readonly release?: string;
  readonly namespace?: string;
  /** Values, as a user's values file would hold them. */
  readonly values?: Record<string, unknown>;
  /** The API server's version, for the chart's capability checks (e.g. v1.35.4). */
  readonly kubeVersion?: string;
  /** Extra `--api-versions` (e.g. cert-manager.io/v1) the target cluster serves. */
  readonly apiVersions?: readonly string[];
}

export const RELEASE = 'gangplank';
export const RELEASE_NAMESPACE = 'gangplank-system';

/** Run helm and return its stdout; a failure carries helm's own message. */
export function runHelm(helm: string, args: readonly string[]): string {
  try {
    return execFileSync(helm, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`helm ${args.slice(0, 2).join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

/** `helm template`: the chart's objects for these values, in helm's install order. */
export function renderChart(opts: RenderOptions): ManifestObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'gangplank-values-'));
  try {
    const valuesFile = join(dir, 'values.yaml');
    writeFileSync(valuesFile, stringify(opts.values ?? {}));
    const args = [
      'template',
      opts.release ?? RELEASE,
      opts.chartDir,
      '--namespace',
      opts.namespace ?? RELEASE_NAMESPACE,
      '--values',
      valuesFile,
      ...(opts.kubeVersion ? ['--kube-version', opts.kubeVersion] : []),
      ...(opts.apiVersions ?? []).flatMap((v) => ['--api-versions', v]),
    ];
    return parseManifests(runHelm(opts.helm, args), 'helm template');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseManifests(text: string, source: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message}`);
    const obj = doc.toJS() as ManifestObject | null;
    if (obj) out.push(obj);
  }
  return out;
}

/** The one object of a kind (and name, when given); an error names what is missing. */
export function findObject(objects: readonly ManifestObject[], kind: string, name?: string): ManifestObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`the rendered chart has no ${kind}${name ? ` ${name}` : ''}`);
  return found;
}
