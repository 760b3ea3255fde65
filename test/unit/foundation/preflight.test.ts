import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommand, type Command } from '../../../src/cli.js';
import { checkFlagFiles } from '../../../src/preflight.js';
import { generateCA, generateServingCert } from '../../../src/tls/certs.js';

const dir = mkdtempSync(join(tmpdir(), 'gp-preflight-'));
const ca = generateCA({ commonName: 'preflight-ca' });
const pairA = generateServingCert({ ca, commonName: 'a', hosts: ['127.0.0.1'] });
const pairB = generateServingCert({ ca, commonName: 'b', hosts: ['127.0.0.1'] });
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const certA = file('a.crt', pairA.cert);
const keyA = file('a.key', pairA.key);
const keyB = file('b.key', pairB.key);
const notPem = file('notes.txt', 'hello');
const aDirectory = join(dir, 'subdir');
mkdirSync(aDirectory);
const missing = join(dir, 'missing.pem');

const cmd = (...argv: string[]): Command => parseCommand(argv) as Command;

describe('start-up checks of the files flags name', () => {
  it('passes readable, matching certificate and key pairs for both servers', () => {
    expect(checkFlagFiles(cmd('serve', '--tls-cert-file', certA, '--tls-key-file', keyA, '--extender-tls-cert-file', certA, '--extender-tls-key-file', keyA))).toEqual([]);
  });

  it.each([
    ['a missing certificate', ['webhook', '--tls-cert-file', missing, '--tls-key-file', keyA], [`cannot read --tls-cert-file ${missing}: no such file or directory`]],
    ['a missing extender key', ['extender', '--extender-tls-cert-file', certA, '--extender-tls-key-file', missing], [`cannot read --extender-tls-key-file ${missing}: no such file or directory`]],
    ['a directory for a key', ['webhook', '--tls-cert-file', certA, '--tls-key-file', aDirectory], [`cannot read --tls-key-file ${aDirectory}: illegal operation on a directory`]],
    ['a missing kubeconfig', ['extender', '--kubeconfig', missing], [`cannot read --kubeconfig ${missing}: no such file or directory`]],
    [
      'both files of a pair missing',
      ['webhook', '--tls-cert-file', missing, '--tls-key-file', `${missing}.key`],
      [`cannot read --tls-cert-file ${missing}: no such file or directory`, `cannot read --tls-key-file ${missing}.key: no such file or directory`],
    ],
  ])('names the flag and the path of %s, one line each', (_name, argv, want) => {
    const problems = checkFlagFiles(cmd(...argv));
    expect(problems).toEqual(want);
    for (const p of problems) expect(p).not.toContain('\n');
  });

  it.each([
    ['a key of another certificate', keyB, /key values mismatch/],
    ['a file that is not PEM', notPem, /./],
  ])('rejects %s as a pair TLS cannot use', (_name, key, reason) => {
    const [problem, ...rest] = checkFlagFiles(cmd('webhook', '--tls-cert-file', certA, '--tls-key-file', key));
    expect(rest).toEqual([]);
    expect(problem).toContain(`--tls-cert-file ${certA} and --tls-key-file ${key} are not a usable certificate and key: `);
    expect(problem).toMatch(reason);
    expect(problem).not.toContain('\n');
  });
});
