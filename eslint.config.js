// typescript-eslint, strict and type-aware (issue 13: the habits of the field). Each rule that
// is relaxed below says why; everything else is the preset as published.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.sandbox/', 'test-results/', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // tsconfig has noUncheckedIndexedAccess: every `a[i]` may be undefined to the checker, and
      // `a[i]!` after a length or bounds check is how this code says "checked here".
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers and booleans read well in messages; objects and nullish values still do not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `(req, res) => res.redirect(...)` and `return res.redirect(...)` in a handler typed to
      // return void end the handler; nothing reads the value.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
      // A method that implements an async interface (a step's check, a probe) stays async even
      // when this implementation does not wait: a throw then still becomes a rejection.
      '@typescript-eslint/require-await': 'off',
      // Spreading a string yields its code points, which is what the counting code means (the
      // programs downstream count code points or bytes, never grapheme clusters).
      // Node's fs and child-process promises reject with ErrnoException; naming that type on the
      // catch callback is how the code reads `e.code`. Anything else is rethrown or reported.
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'off',
      // The field rules refuse control characters, and say so by matching them.
      'no-control-regex': 'off',
      '@typescript-eslint/no-misused-spread': ['error', { allow: [{ from: 'lib', name: 'string' }] }],
      // `_name` marks what a signature or a destructuring must name but does not use.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and scripts read JSON bodies and parsed documents as `any` on purpose: the assertion is the check.
    files: ['**/*.test.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // `let w: Wizard` set in each test and closed in afterEach with `w?.close()`: the type
      // says assigned, the run order says maybe not.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Tests clear BOWTIE_* variables from a copy of the environment by name.
      '@typescript-eslint/no-dynamic-delete': 'off',
    },
  },
);
