// npm run test:browser: the runtime behaviour suite (tests/runtimes/behaviour.mjs) in a real
// browser. Bundles the package's ESM build with esbuild, serves it on 127.0.0.1, and runs it
// in headless Chromium (Debian's package: scripts/install-browser.sh; CHROMIUM overrides the
// path) driven by playwright-core, which downloads no browser of its own.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url);
if (!existsSync(new URL('dist/esm/index.js', root)))
  execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`test:browser: no Chromium at ${executablePath}; run scripts/install-browser.sh (or set CHROMIUM)`);
  process.exit(1);
}

const bundle = await build({
  entryPoints: [new URL('scripts/browser/page.mjs', root).pathname],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  // The package says it has no side effects (true of src/); the suite it imports runs on import.
  ignoreAnnotations: true,
  write: false,
});
const page =
  '<!doctype html><meta charset="utf-8"><title>batched-fn</title><script type="module" src="/page.js"></script>';
const server = createServer((request, response) => {
  if (request.url === '/page.js')
    response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle.outputFiles[0].text);
  else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(page);
  else if (request.url === '/favicon.ico') response.writeHead(204).end();
  else response.writeHead(404).end();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

// The flags keep Chromium off a network this machine does not have (it would retry at every start).
const browser = await chromium.launch({
  executablePath,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
let failed; // a throw below ends the run with an error, after the finally
try {
  const tab = await browser.newPage();
  const lines = [];
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  tab.on('console', (message) => {
    const text = message.text();
    lines.push(text);
    console.log(text);
    if (text.startsWith('turn: ') || / [1-9]\d* failed$/.test(text)) done(); // the end, or a failure
  });
  tab.on('pageerror', (error) => {
    console.log(`page error: ${error.message}`);
    done();
  });
  await tab.goto(url);
  const timeout = setTimeout(() => {
    console.log('test:browser: no result within 60 s');
    done();
  }, 60_000);
  await finished;
  clearTimeout(timeout);
  const summary = lines.find((line) => /^browser: \d+ passed, \d+ failed$/.test(line));
  failed = summary === undefined || !summary.endsWith(' 0 failed') || !lines.some((line) => line.startsWith('turn: '));
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
