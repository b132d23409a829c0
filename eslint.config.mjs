// Lint: typescript-eslint's type-aware recommended rules (floating promises, misused
// promises, unsafe any) over everything in the repo; Prettier owns formatting.
// scripts/consumer/ is compiled by check:consumer against the packed tarball, outside this project.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.build/', 'coverage/', 'bench/out/', 'docs/', 'scripts/consumer/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A batch method is async by contract (it returns a promise of results), await or not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests take decorated methods off their instances on purpose, to call them oddly.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    files: ['**/*.{js,cjs,mjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  prettier,
);
