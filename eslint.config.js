// ESLint (flat config) with typescript-eslint's recommended rules, tuned to this code base. Formatting is
// Prettier's job (.prettierrc.json, `npm run format`); the import-layer rules are in test/unit/layers.test.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'src/amqp/generated/**', 'src/ui/assets/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      // unused names are the compiler's job (noUnusedLocals, noUnusedParameters); `_name` marks a deliberate one
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // empty callbacks such as `.catch(() => {})` and `c.on('error', () => {})` are how this code drops errors on purpose
      '@typescript-eslint/no-empty-function': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // a control character in a regular expression is deliberate here (protocol bytes, NUL separators)
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always'],
      // a handle assigned once but read by callbacks set up before the assignment (timers) stays `let`
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `let x = fallback; try { x = ... } catch {}` reads well; the initial value is not worth a rule
      'no-useless-assignment': 'off',
      // errors are rethrown as new one-line messages for the user on purpose (no stack traces, no chains)
      'preserve-caught-error': 'off',
      'no-var': 'error',
      // `import type` for type-only imports; `import('...')` types are fine (lazy-loaded modules)
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    // browser code of the management UI
    files: ['src/ui/**/*.{js,ts}'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        localStorage: 'readonly',
        sessionStorage: 'readonly',
        history: 'readonly',
        navigator: 'readonly',
        HTMLElement: 'readonly',
        Element: 'readonly',
        Event: 'readonly',
        fetch: 'readonly',
        alert: 'readonly',
        confirm: 'readonly',
      },
    },
  },
  {
    // tests may use `any` for JSON bodies they then assert on
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
