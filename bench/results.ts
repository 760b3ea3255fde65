// bench/RESULTS.md: each benchmark replaces its own "## …" section and
// keeps everything else as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const RESULTS = join(ROOT, 'bench', 'RESULTS.md');

/** Replace the section that starts with `heading` (a "## " line) by `text`, or append it. */
export function replaceSection(heading: string, text: string): void {
  let doc = '';
  try {
    doc = readFileSync(RESULTS, 'utf8');
  } catch {
    doc = '# Benchmark results\n\nWritten by `npm run bench`; each benchmark replaces its own section.\n';
  }
  const start = doc.indexOf(`${heading}\n`);
  if (start < 0) {
    doc = `${doc.trimEnd()}\n\n${text}`;
  } else {
    const next = doc.indexOf('\n## ', start + heading.length);
    doc = doc.slice(0, start) + text.trimEnd() + (next < 0 ? '\n' : `\n\n${doc.slice(next + 1)}`);
  }
  writeFileSync(RESULTS, doc.endsWith('\n') ? doc : `${doc}\n`);
}
