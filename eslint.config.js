// Lint rules that hold the process boundaries (VS Code's idea: a folder name says where code runs),
// so a wrong import fails before review.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const electronOnly = { name: 'electron', message: 'Only main/electron/ may import electron.', allowTypeImports: true };

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-results/**', '.tmp/**', 'playwright-report/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['main/**/*.ts', 'native/**/*.ts', 'sandbox/**/*.ts', 'protocols/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    // test/renderer tests the renderer's pure modules.
    ignores: ['main/electron/**', 'test/renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [{ group: ['**/renderer/**'], message: 'main/ and the services never import the renderer.' }],
        },
      ],
    },
  },
  {
    // Node's assert, given no message for a falsy value, re-reads and parses the (tsx-transformed)
    // source file to quote the expression: slow enough to hang a run for minutes. Say why instead.
    files: ['test/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='assert'][callee.property.name='ok'][arguments.length<2]",
          message: "Give assert.ok a message: assert.ok(value, 'what was expected').",
        },
        {
          selector: "CallExpression[callee.name='assert'][arguments.length<2]",
          message: "Give assert a message: assert(value, 'what was expected').",
        },
      ],
    },
  },
  {
    // test/main/commands/registration.test.ts finds every command through the modules' exports.
    files: ['main/commands/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "Program > VariableDeclaration > VariableDeclarator > CallExpression[callee.name='defineCommand']",
          message: "Export each command (export const x = defineCommand(…)) and add it to its group's array.",
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    // main/embedded.ts is the composition root that starts the embedded sandbox and virtual card.
    ignores: ['main/electron/**', 'main/embedded.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [
            { group: ['**/renderer/**'], message: 'main/ never imports the renderer.' },
            {
              group: ['**/sandbox/**'],
              message:
                'Only the composition root that embeds the sandbox may import sandbox/ (see docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [
            {
              group: ['**/main/**', '**/renderer/**'],
              message: 'sandbox/ runs alone: it never imports main/ or renderer/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['protocols/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [
            {
              group: ['**/main/**', '**/sandbox/**', '**/renderer/**', '**/native/**'],
              message: 'protocols/ imports nothing else of the project.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            electronOnly,
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'The renderer runs in a sandboxed page: no Node built-ins.',
            })),
          ],
          patterns: [
            {
              group: ['**/main/**'],
              message: 'The renderer may only `import type` from main/.',
              allowTypeImports: true,
            },
            { group: ['**/sandbox/**', '**/native/**'], message: 'The renderer never imports sandbox/ or native/.' },
          ],
        },
      ],
    },
  },
);
