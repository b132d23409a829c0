// Writes every ```ts block of README.md into `dir` as readme-N.mts (an ES module each, so
// top-level await and imports work and no two blocks share a scope), for check-consumer.sh to
// compile against the packed package. Usage: node scripts/readme-blocks.mjs <dir>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir] = process.argv.slice(2);
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
blocks.forEach((code, i) => writeFileSync(join(dir, `readme-${i + 1}.mts`), `${code}\nexport {};\n`));
console.log(blocks.length);
