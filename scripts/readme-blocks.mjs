// Writes every ```ts block of the README and of docs/*.md into `dir` as block-N.mts (an ES
// module each, so top-level await and imports work and no two blocks share a scope), for
// check-consumer.sh to compile against the packed package. Usage: node scripts/readme-blocks.mjs <dir>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir] = process.argv.slice(2);
const root = new URL('..', import.meta.url);
const docs = readdirSync(new URL('docs/', root)).filter((file) => file.endsWith('.md'));
const files = ['README.md', 'CONTRIBUTING.md', ...docs.map((file) => `docs/${file}`)];
let count = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(new URL(file, root), 'utf8');
  } catch {
    continue;
  }
  for (const [, code] of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    writeFileSync(join(dir, `block-${++count}.mts`), `// ${file}\n${code}\nexport {};\n`);
  }
}
console.log(count);
