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
    ['a cert without its key', ['webhook', '--tls-cert-file', 'a.pem'], /go together/],
  ])('rejects %s with a usage error', (_name, argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });

  it('prints the command list without arguments', () => {
    expect(parseCommand([])).toEqual({ help: usage() });
    expect(usage()).toMatch(/serve[\s\S]*webhook[\s\S]*extender/);
  });
});
