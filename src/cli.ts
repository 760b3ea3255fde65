// Command-line parsing, pure: argv in, a command or a usage error out.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from './duration.js';

export type Role = 'serve' | 'webhook' | 'extender';

interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly default?: string | boolean;
  readonly help: string;
  readonly roles: readonly Role[];
}

const ALL: readonly Role[] = ['serve', 'webhook', 'extender'];
const WEBHOOK: readonly Role[] = ['serve', 'webhook'];
const EXTENDER: readonly Role[] = ['serve', 'extender'];

/** Every flag, with the roles that take it. `--help` prints these. */
export const FLAGS = {
  config: { type: 'string', help: 'Configuration file (YAML or JSON); defaults apply when omitted.', roles: ALL },
  kubeconfig: {
    type: 'string',
    help: 'kubeconfig file. Without it: KUBECONFIG, then in-cluster config; the webhook runs standalone (inline templates, no API) when none is found.',
    roles: ALL,
  },
  host: { type: 'string', help: 'Address the role listens on (webhook default 0.0.0.0, extender 127.0.0.1).', roles: ['webhook', 'extender'] },
  port: { type: 'string', help: 'Port of the role (webhook default 8443, extender 8888).', roles: ['webhook', 'extender'] },
  'webhook-host': { type: 'string', default: '0.0.0.0', help: 'Address of the webhook server.', roles: ['serve'] },
  'webhook-port': { type: 'string', default: '8443', help: 'Port of the webhook server (HTTPS).', roles: ['serve'] },
  'extender-host': { type: 'string', default: '127.0.0.1', help: 'Address of the extender server.', roles: ['serve'] },
  'extender-port': { type: 'string', default: '8888', help: 'Port of the extender server (HTTP).', roles: ['serve'] },
  'ops-host': { type: 'string', default: '0.0.0.0', help: 'Address of the ops server (/healthz, /readyz, /metrics).', roles: ALL },
  'ops-port': { type: 'string', default: '9090', help: 'Port of the ops server; 0 picks a free port.', roles: ALL },
  'tls-cert-file': { type: 'string', help: 'PEM serving certificate of the webhook; reloaded when the file changes.', roles: WEBHOOK },
  'tls-key-file': { type: 'string', help: 'PEM private key of the webhook; reloaded when the file changes.', roles: WEBHOOK },
  'cert-secret': {
    type: 'string',
    help: 'Self-managed TLS instead of files: keep a CA and serving cert in this Secret (namespace/name), renew them and patch the caBundle of --webhook-configuration.',
    roles: WEBHOOK,
  },
  'cert-validity': {
    type: 'string',
    default: '8760h',
    help: 'Self-managed TLS: lifetime of the serving certificate (Go duration, e.g. 8760h); renewed when a third is left.',
    roles: WEBHOOK,
  },
  'ca-validity': {
    type: 'string',
    default: '87600h',
    help: 'Self-managed TLS: lifetime of the CA (Go duration); renewed when a third is left, the old CA kept in the caBundle until it expires.',
    roles: WEBHOOK,
  },
  'cert-dns-names': { type: 'string', help: 'Comma list of DNS names/IPs for the self-managed serving cert.', roles: WEBHOOK },
  'webhook-configuration': {
    type: 'string',
    default: 'gangplank',
    help: 'MutatingWebhookConfiguration whose caBundle the self-managed mode keeps current.',
    roles: WEBHOOK,
  },
  'extender-tls-cert-file': { type: 'string', help: 'Serve the extender over HTTPS with this certificate (default plain HTTP on loopback).', roles: EXTENDER },
  'extender-tls-key-file': { type: 'string', help: 'Key for --extender-tls-cert-file.', roles: EXTENDER },
  'leader-elect-lease': {
    type: 'string',
    help: 'namespace/name of a Lease the extender replicas elect a background writer with (time-outs, Events, waking parked pods). Without it this replica always writes (one replica).',
    roles: EXTENDER,
  },
  'extender-client-ca-file': {
    type: 'string',
    help: "PEM CA that signs the scheduler's client certificate: the extender then accepts only clients with a certificate it signed. Required (with the TLS pair) to listen on an address other than loopback.",
    roles: EXTENDER,
  },
  'log-level': { type: 'string', help: 'pino log level (trace, debug, info, warn, error); default LOG_LEVEL or info.', roles: ALL },
  'heap-growing-percent': {
    type: 'string',
    default: '50',
    help: "How far V8 lets the heap grow past what the last full GC kept, in percent (V8's --heap-growing-percent; 0 leaves V8's own factor, up to 4x). 50 keeps the extender with 5,000 nodes and 50,000 pods under 256 MiB, start-up included, at no measured CPU cost (bench/RESULTS.md, \"Extender memory\").",
    roles: ALL,
  },
  'shutdown-grace-seconds': { type: 'string', default: '10', help: 'On SIGTERM, how long in-flight requests may take before connections are closed.', roles: ALL },
  help: { type: 'boolean', default: false, help: 'Show this help.', roles: ALL },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** Certificate and key flags that are given both or neither. */
export const TLS_PAIRS = [
  ['tls-cert-file', 'tls-key-file'],
  ['extender-tls-cert-file', 'extender-tls-key-file'],
] as const satisfies readonly (readonly [FlagName, FlagName])[];

/** Flags that name a file the process reads at start-up (checked before anything starts). */
export const FILE_FLAGS = ['kubeconfig', 'tls-cert-file', 'tls-key-file', 'extender-tls-cert-file', 'extender-tls-key-file', 'extender-client-ca-file'] as const satisfies readonly FlagName[];

export interface Command {
  readonly role: Role;
  readonly flags: Readonly<Partial<Record<FlagName, string | boolean>>>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const SUMMARY: Record<Role, string> = {
  serve: 'Run the webhook and the extender in one process (local use, demo).',
  webhook: 'Run the mutating admission webhook (HTTPS POST /mutate).',
  extender: 'Run the kube-scheduler extender (POST /filter, /prioritize, /bind).',
};

export function usage(role?: Role): string {
  if (!role) {
    return [
      'Usage: gangplank <command> [flags]',
      '',
      'Commands:',
      ...(Object.keys(SUMMARY) as Role[]).map((r) => `  ${r.padEnd(10)} ${SUMMARY[r]}`),
      `  ${'version'.padEnd(10)} Print the version (also --version).`,
      '',
      'Run "gangplank <command> --help" for the flags of a command.',
    ].join('\n');
  }
  const lines = [`Usage: gangplank ${role} [flags]`, '', SUMMARY[role], '', 'Flags:'];
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    if (!spec.roles.includes(role)) continue;
    const arg = spec.type === 'string' ? ` <value>` : '';
    const def = spec.default !== undefined && spec.type === 'string' ? ` (default ${String(spec.default)})` : '';
    lines.push(`  --${name}${arg}`, `      ${spec.help}${def}`);
  }
  return lines.join('\n');
}

/** What the command line asks for: run a role, or print help or the version and exit 0. */
export type Parsed = Command | { readonly help: string } | { readonly version: true };

export function parseCommand(argv: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return { help: usage() };
  if (first === '--version' || first === 'version') {
    if (rest.length > 0) throw new UsageError(`${first} takes no arguments`);
    return { version: true };
  }
  if (!(first in SUMMARY)) throw new UsageError(`unknown command "${first}"\n\n${usage()}`);
  const role = first as Role;
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    if (!spec.roles.includes(role)) continue;
    options[name] = spec.type === 'string' ? { type: 'string' } : { type: 'boolean' };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...rest], options, strict: true, allowPositionals: false }) as {
      values: Record<string, string | boolean | undefined>;
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage(role)}`);
  }
  if (values.help) return { help: usage(role) };
  const flags: Partial<Record<FlagName, string | boolean>> = {};
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    if (!spec.roles.includes(role)) continue;
    const v = values[name] ?? spec.default;
    if (v !== undefined) flags[name] = v;
  }
  for (const name of ['port', 'webhook-port', 'extender-port', 'ops-port'] as const) {
    const v = flags[name];
    if (typeof v === 'string' && !/^\d{1,5}$/.test(v)) throw new UsageError(`--${name}: "${v}" is not a port number`);
  }
  const growing = flags['heap-growing-percent'];
  if (typeof growing === 'string' && !(/^\d{1,4}$/.test(growing) && Number(growing) <= 1000)) {
    throw new UsageError(`--heap-growing-percent: "${growing}" is not a whole number from 0 to 1000`);
  }
  for (const name of ['cert-validity', 'ca-validity'] as const) {
    const v = flags[name];
    if (typeof v === 'string' && parseDuration(v) === undefined) throw new UsageError(`--${name}: "${v}" is not a duration such as 8760h or 90s`);
  }
  for (const [cert, key] of TLS_PAIRS) {
    if (Boolean(flags[cert]) !== Boolean(flags[key])) throw new UsageError(`--${cert} and --${key} go together`);
  }
  if (role !== 'webhook') checkExtenderExposure(role === 'serve' ? flags['extender-host'] : flags.host, flags);
  return { role, flags };
}

/** True for the loopback addresses and names: only processes on this host reach them. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Whoever reaches the extender can have it bind pods: off loopback it must
 * be HTTPS with client certificates signed by a CA it is given (kube-scheduler's
 * extender tlsConfig carries the client certificate). The chart runs it on
 * 127.0.0.1 beside its scheduler.
 */
function checkExtenderExposure(host: string | boolean | undefined, flags: Partial<Record<FlagName, string | boolean>>): void {
  const clientCa = flags['extender-client-ca-file'];
  if (clientCa && !flags['extender-tls-cert-file']) {
    throw new UsageError('--extender-client-ca-file needs --extender-tls-cert-file and --extender-tls-key-file (client certificates are checked over TLS)');
  }
  const address = typeof host === 'string' ? host : '127.0.0.1';
  if (!isLoopback(address) && !(flags['extender-tls-cert-file'] && clientCa)) {
    throw new UsageError(
      `refusing to serve the extender on ${address}: anyone who reaches it could bind pods. Listen on 127.0.0.1 beside the scheduler, or give --extender-tls-cert-file, --extender-tls-key-file and --extender-client-ca-file`,
    );
  }
}
