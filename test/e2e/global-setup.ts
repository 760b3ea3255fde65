// Builds (or finds cached) the control-plane binary once for the e2e run,
// hands its path to the test files, and at the end kills any process a
// crashed test file left behind.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export default function setup(): () => void {
  const root = resolve(import.meta.dirname, '../..');
  if (!process.env.GANGPLANK_KCP) {
    const out = execFileSync('bash', [join(root, 'test/controlplane/build.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
    process.env.GANGPLANK_KCP = out.toString().trim().split('\n').pop();
  }
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
