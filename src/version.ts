// The version of this build, from the package.json shipped beside dist/
// (the image copies it; `npm run build` runs from the repository).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function readVersion(): string {
  // src/version.ts → ../package.json; dist/src/version.js → ../../package.json
  for (const rel of ['../package.json', '../../package.json']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'gangplank' && typeof pkg.version === 'string') return pkg.version;
  }
  return 'unknown';
}

/** Gangplank's version (package.json), e.g. "0.1.0". */
export const VERSION = readVersion();
