import { describe, expect, it } from 'vitest';
import { FLAGS, parseCommand, usage, UsageError, type Role } from '../../../src/cli.js';

describe('command line', () => {
  it.each(['serve', 'webhook', 'extender'] as Role[])('--help of %s lists every flag the command takes', (role) => {
    const text = usage(role);
    for (const [name, spec] of Object.entries(FLAGS)) {
      if ((spec.roles as readonly string[]).includes(role)) expect(text).toContain(`--${name}`);
      else expect(text).not.toContain(`--${name} `);
    }
    expect(parseCommand([role, '--help'])).toEqual({ help: text });
  });

  it('fills defaults and keeps given values', () => {
    const cmd = parseCommand(['serve', '--config', 'c.yaml', '--extender-port', '9999']);
    expect(cmd).toMatchObject({ role: 'serve', flags: { config: 'c.yaml', 'extender-port': '9999', 'webhook-port': '8443', 'ops-port': '9090' } });
  });

  it.each([
    ['an unknown command', ['launch'], /unknown command "launch"/],
    ['an unknown flag', ['webhook', '--bogus'], /bogus/],
    ['a flag of another role', ['extender', '--tls-cert-file', 'x'], /tls-cert-file/],
    ['a port that is not a number', ['extender', '--port', 'http'], /--port: "http" is not a port number/],
    ['a cert without its key', ['webhook', '--tls-cert-file', 'a.pem'], /--tls-cert-file and --tls-key-file go together/],
    ['a key without its cert', ['serve', '--tls-key-file', 'a.key'], /--tls-cert-file and --tls-key-file go together/],
    ['an extender cert without its key', ['extender', '--extender-tls-cert-file', 'a.pem'], /--extender-tls-cert-file and --extender-tls-key-file go together/],
    ['an extender key without its cert', ['serve', '--extender-tls-key-file', 'a.key'], /--extender-tls-cert-file and --extender-tls-key-file go together/],
    ['arguments after --version', ['--version', 'serve'], /--version takes no arguments/],
    ['a heap growing percent that is not a number', ['extender', '--heap-growing-percent', 'half'], /--heap-growing-percent: "half" is not a whole number from 0 to 1000/],
    ['a heap growing percent over 1000', ['webhook', '--heap-growing-percent', '5000'], /not a whole number from 0 to 1000/],
  ])('rejects %s with a usage error', (_name, argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });

  it.each([['--version'], ['version']])('%s asks for the version', (arg) => {
    expect(parseCommand([arg])).toEqual({ version: true });
  });

  it('takes an extender certificate with its key', () => {
    expect(parseCommand(['extender', '--extender-tls-cert-file', 'a.pem', '--extender-tls-key-file', 'a.key'])).toMatchObject({
      flags: { 'extender-tls-cert-file': 'a.pem', 'extender-tls-key-file': 'a.key' },
    });
  });

  it('heap growing percent: 50 unless given, 0 leaves V8 its own', () => {
    expect(parseCommand(['extender'])).toMatchObject({ flags: { 'heap-growing-percent': '50' } });
    expect(parseCommand(['webhook', '--heap-growing-percent', '0'])).toMatchObject({ flags: { 'heap-growing-percent': '0' } });
  });

  it('prints the command list without arguments', () => {
    expect(parseCommand([])).toEqual({ help: usage() });
    expect(usage()).toMatch(/serve[\s\S]*webhook[\s\S]*extender[\s\S]*version/);
  });
});
