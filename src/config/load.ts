// parse → default → validate (every error, with its path) → resolve files → freeze.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, podFragmentSchema, type Config } from './schema.js';

/** A configuration that cannot be used; `problems` lists every error as `path: message`. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `profiles[0].driver.template` style, as a user finds it in the YAML. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  return issues.map((i) => {
    const path = formatPath([...prefix, ...i.path]);
    if (i.code === 'unrecognized_keys') return `${path}: unknown field(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    return `${path}: ${i.message}`;
  });
}

/** Parse YAML text into a plain value; YAML errors carry line and column. */
function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  return doc.toJS() ?? {};
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/**
 * Validate a raw (already parsed) configuration. `baseDir` resolves
 * `templateFile` paths; their content is read, checked and inlined as `template`.
 */
export function validateConfig(raw: unknown, source: string, baseDir: string): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(source, issuesToProblems(parsed.error.issues));
  const config = parsed.data;
  const problems: string[] = [];
  config.profiles.forEach((p, i) => {
    for (const role of ['driver', 'executor'] as const) {
      const settings = p[role];
      if (settings?.templateFile === undefined) continue;
      const where = formatPath(['profiles', i, role, 'templateFile']);
      const file = resolve(baseDir, settings.templateFile);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        problems.push(`${where}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        continue;
      }
      let value: unknown;
      try {
        value = parseYaml(text, file);
      } catch (err) {
        problems.push(...(err as ConfigError).problems.map((m) => `${where} (${file}): ${m}`));
        continue;
      }
      const frag = podFragmentSchema.safeParse(value);
      if (!frag.success) {
        problems.push(...issuesToProblems(frag.error.issues).map((m) => `${where} (${file}): ${m}`));
        continue;
      }
      settings.template = frag.data;
    }
  });
  if (problems.length > 0) throw new ConfigError(source, problems);
  return deepFreeze(config);
}

/** Load a config file (YAML or JSON); no file means all defaults. */
export function loadConfig(file?: string): Config {
  if (file === undefined) return validateConfig({}, '(defaults)', process.cwd());
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return validateConfig(parseYaml(text, file), file, dirname(resolve(file)));
}
