// Start-up checks on the files the flags name. A wrong path in a Deployment is
// the most common start-up failure; it should read as one line naming the
// flag and the path (exit 1), not as a stack trace from inside a role that
// has already opened other ports.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { FILE_FLAGS, TLS_PAIRS, type Command, type FlagName } from './cli.js';

/** "ENOENT: no such file or directory, open '/x'" → "no such file or directory". */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const m = /^[A-Z0-9_]+: (.*?), [a-z]+(?: '.*')?$/s.exec(e?.message ?? '');
  return m?.[1] ?? e?.code ?? String(err);
}

/** How the checks read a file; tests pass their own. */
export type ReadFile = (file: string) => string;

const readUtf8: ReadFile = (file) => readFileSync(file, 'utf8');

/**
 * Every problem with the files named by `cmd`'s flags, one line each:
 * unreadable files, and certificate/key pairs that TLS cannot use.
 * Empty when all is well.
 */
export function checkFlagFiles(cmd: Command, read: ReadFile = readUtf8): string[] {
  const problems: string[] = [];
  const content = new Map<FlagName, string>();
  for (const name of FILE_FLAGS) {
    const file = cmd.flags[name];
    if (typeof file !== 'string') continue;
    try {
      content.set(name, read(file));
    } catch (err) {
      problems.push(`cannot read --${name} ${file}: ${describeFsError(err)}`);
    }
  }
  for (const [certFlag, keyFlag] of TLS_PAIRS) {
    const cert = content.get(certFlag);
    const key = content.get(keyFlag);
    if (cert === undefined || key === undefined) continue;
    try {
      // The same check https.createServer makes, without opening a port.
      createSecureContext({ cert, key });
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      problems.push(`--${certFlag} ${String(cmd.flags[certFlag])} and --${keyFlag} ${String(cmd.flags[keyFlag])} are not a usable certificate and key: ${reason}`);
    }
  }
  return problems;
}
