import type { Config } from 'jest';

/**
 * Relative imports are written `./x.js` (for Node's ESM); jest resolves them to the .ts source.
 * The examples import the package by name, as users do; here that is the source too.
 */
const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1', '^batched-fn$': '<rootDir>/src/index.ts' };

const project = (
  displayName: 'legacy' | 'standard' | 'haproxy',
  tsconfig: string,
  testMatch: string[],
  testPathIgnorePatterns: string[] = [],
): Config => ({
  displayName,
  // Tells tests/decorators/mode.test.ts which decorator system this project must run.
  setupFiles: [`<rootDir>/tests/support/mode-${displayName === 'standard' ? 'standard' : 'legacy'}.ts`],
  testEnvironment: 'node',
  testMatch,
  testPathIgnorePatterns,
  moduleNameMapper,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig }] },
});

const config: Config = {
  projects: [
    // Every test, with experimentalDecorators + emitDecoratorMetadata, but those that need HAProxy.
    project(
      'legacy',
      '<rootDir>/tests/tsconfig.jest-legacy.json',
      ['<rootDir>/tests/**/*.test.ts'],
      ['/tests/haproxy/'],
    ),
    // The decorator tests again, with standard ECMAScript decorators.
    project('standard', '<rootDir>/tests/tsconfig.jest-standard.json', ['<rootDir>/tests/decorators/**/*.test.ts']),
    // Replicas behind a real HAProxy (npm run test:haproxy, after bash scripts/install-haproxy.sh).
    project('haproxy', '<rootDir>/tests/tsconfig.jest-legacy.json', ['<rootDir>/tests/haproxy/**/*.test.ts']),
  ],
};

// CommonJS, as the package is: Node 22.18+ then loads this file itself (type stripping) instead of
// failing to import it as ESM, warning, and leaving it to ts-node.
module.exports = config;
