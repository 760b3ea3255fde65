// The programs the local cluster needs, built from Go modules on first use
// and cached (test/controlplane/build.sh, test/tools/helm/build.sh): each
// script prints the binary's path on its last line.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

function built(root: string, script: string): string {
  const out = execFileSync('bash', [join(root, script)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return out.toString().trim().split('\n').pop() as string;
}

/** etcd, kube-apiserver and kube-scheduler in one binary. */
export const kcpPath = (root: string): string => built(root, 'test/controlplane/build.sh');

/** The helm CLI that renders the chart. */
export const helmPath = (root: string): string => built(root, 'test/tools/helm/build.sh');
