// Builds (or finds cached) the control-plane binary and helm, and makes sure
// prometheus is installed, once for the e2e run;
// hands their paths to the test files, and at the end kills any process a
// crashed test file left behind.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export default function setup(): () => void {
  const root = resolve(import.meta.dirname, '../..');
  const built = (script: string): string | undefined =>
    execFileSync('bash', [join(root, script)], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim().split('\n').pop();
  if (!process.env.GANGPLANK_KCP) process.env.GANGPLANK_KCP = built('test/controlplane/build.sh');
  if (!process.env.GANGPLANK_HELM) process.env.GANGPLANK_HELM = built('test/tools/helm/build.sh');
  // prometheus and promtool from Debian's package (installed once; a no-op when present).
  built('test/tools/prometheus.sh');
  if (!existsSync(join(root, 'dist/src/main.js'))) {
    throw new Error('dist/src/main.js is missing: run `npm run build` before the e2e tests');
  }
  const pidFile = join(mkdtempSync(join(tmpdir(), 'gangplank-e2e-')), 'pids');
  process.env.GANGPLANK_PID_FILE = pidFile;
  return () => {
    if (!existsSync(pidFile)) return;
    for (const line of readFileSync(pidFile, 'utf8').split('\n')) {
      const pid = Number(line);
      if (!pid) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already exited: the normal case
      }
    }
  };
}
