// Run a Node.js script as a child process (a load generator on its own event
// loop, which the OS can put on the other core) and collect its stdout.
import { spawn } from 'node:child_process';

export function runNodeChild(what: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${what} exited with ${code}: ${err.trim()}`));
      else resolve(out);
    });
  });
}
