// The gangplank binary as an operator runs it: help, a bad config file,
// serving, and SIGTERM. Needs `npm run build` (the e2e global setup checks).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCA, generateServingCert } from '../../src/tls/certs.js';

const main = resolve(import.meta.dirname, '../../dist/src/main.js');

describe('gangplank process', () => {
  it('documents every flag of serve in --help', () => {
    const out = spawnSync(process.execPath, [main, 'serve', '--help'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    for (const flag of ['--config', '--kubeconfig', '--webhook-port', '--extender-port', '--ops-port', '--tls-cert-file', '--log-level']) {
      expect(out.stdout).toContain(flag);
    }
  });

  it.each([['--version'], ['version']])('prints the package version for %s and exits 0', (arg) => {
    const out = spawnSync(process.execPath, [main, arg], { encoding: 'utf8' });
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(`${pkg.version}\n`);
  });

  it('fails start-up on a missing TLS file with one line naming the flag and the path, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-tls-'));
    const missing = join(dir, 'tls.crt');
    writeFileSync(join(dir, 'tls.key'), 'unused');
    const out = spawnSync(
      process.execPath,
      [main, 'webhook', '--port', '0', '--ops-port', '0', '--tls-cert-file', missing, '--tls-key-file', join(dir, 'tls.key')],
      { encoding: 'utf8' },
    );
    expect(out.status).toBe(1);
    expect(out.stderr).toBe(`gangplank: cannot read --tls-cert-file ${missing}: no such file or directory\n`);
  });

  it('refuses an extender certificate without its key as a usage error, exit 2', () => {
    const out = spawnSync(process.execPath, [main, 'extender', '--extender-tls-cert-file', '/tmp/x.pem'], { encoding: 'utf8' });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/^gangplank: --extender-tls-cert-file and --extender-tls-key-file go together\n$/);
  });

  it('fails start-up on a bad config file, listing every error with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'schedulerName: Not_A_Name',
        'profiles:',
        '  - name: gpu',
        '    numa: {policy: sometimes}',
        '    executorInstances: -1',
        '    colour: blue',
        '  - name: gpu',
        'extender: {gangTimeoutSeconds: 0}',
      ].join('\n'),
    );
    const out = spawnSync(process.execPath, [main, 'serve', '--config', file], { encoding: 'utf8' });
    expect(out.status).toBe(1);
    for (const path of ['schedulerName', 'profiles[0].numa.policy', 'profiles[0].executorInstances', 'profiles[0]: unknown field(s) "colour"', 'extender.gangTimeoutSeconds', 'profiles[1].name: duplicate profile name']) {
      expect(out.stderr).toContain(path);
    }
  });

  it('serves the webhook over HTTPS and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-run-'));
    const ca = generateCA({ commonName: 'ca' });
    const pair = generateServingCert({ ca, commonName: 'w', hosts: ['127.0.0.1'] });
    writeFileSync(join(dir, 'tls.crt'), pair.cert);
    writeFileSync(join(dir, 'tls.key'), pair.key);
    const child = spawn(
      process.execPath,
      [main, 'webhook', '--host', '127.0.0.1', '--port', '0', '--ops-host', '127.0.0.1', '--ops-port', '0', '--tls-cert-file', join(dir, 'tls.crt'), '--tls-key-file', join(dir, 'tls.key')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let logs = '';
    const urls: Record<string, string> = {};
    child.stdout.on('data', (d: Buffer) => {
      logs += d.toString();
      for (const line of d.toString().split('\n')) {
        if (!line.includes('"listening"')) continue;
        const entry = JSON.parse(line) as { server: string; url: string };
        urls[entry.server] = entry.url;
      }
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 100 && !urls.ops; i++) await new Promise((r) => setTimeout(r, 50));
    expect(urls.webhook).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${urls.ops}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toContain('"stopped"');
  });
});
