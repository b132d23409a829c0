import type { Config } from 'jest';

/**
 * Relative imports are written `./x.js` (for Node's ESM); jest resolves them to the .ts source.
 * The examples import the package by name, as users do; here that is the source too.
 */
const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1', '^batched-fn$': '<rootDir>/src/index.ts' };

const project = (displayName: 'legacy' | 'standard', tsconfig: string, testMatch: string[]): Config => ({
  displayName,
  // Tells tests/decorators/mode.test.ts which decorator system this project must run.
  setupFiles: [`<rootDir>/tests/support/mode-${displayName}.ts`],
  testEnvironment: 'node',
  testMatch,
  moduleNameMapper,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig }] },
});

const config: Config = {
  projects: [
    // Every test, with experimentalDecorators + emitDecoratorMetadata.
    project('legacy', '<rootDir>/tests/tsconfig.jest-legacy.json', ['<rootDir>/tests/**/*.test.ts']),
    // The decorator tests again, with standard ECMAScript decorators.
    project('standard', '<rootDir>/tests/tsconfig.jest-standard.json', ['<rootDir>/tests/decorators/**/*.test.ts']),
  ],
};

// CommonJS, as the package is: Node 22.18+ then loads this file itself (type stripping) instead of
// failing to import it as ESM, warning, and leaving it to ts-node.
module.exports = config;
