import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Layering, as VS Code and Signal do it: where code runs decides what it may import.
 *  common/            pure TypeScript: no electron, no node:, no DOM-only modules, no jssip
 *  main/services/     Node only: never electron
 *  main/shell/        the Electron main process
 *  preload/           electron's contextBridge/ipcRenderer and common/ only
 *  renderer/          the DOM: never electron or node:; only renderer/src/sip imports jssip
 */
const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'crypto'];
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', '.lab/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='test'][callee.property.name='only']", message: 'no .only' },
        { selector: "CallExpression[callee.object.name='it'][callee.property.name='only']", message: 'no .only' },
        { selector: "CallExpression[callee.object.name='describe'][callee.property.name='only']", message: 'no .only' },
      ],
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: restrict(['electron', 'jssip', 'jssip/*', 'react', 'react-dom', ...nodeBuiltins], 'common/ is pure TypeScript shared by every process'),
  },
  {
    files: ['main/services/**/*.ts', 'main/host/**/*.ts'],
    rules: restrict(['electron', 'jssip', 'jssip/*', 'react', 'react-dom', '**/renderer/**'], 'services run in plain Node: no Electron, no renderer code'),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict(['jssip', 'jssip/*', 'react', 'react-dom', '**/main/**', '**/renderer/**', ...nodeBuiltins], 'the preload only bridges the contract'),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict(['electron', '**/main/**', '**/preload/**', ...nodeBuiltins], 'the renderer reaches the services only through the bridge'),
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/src/sip/**'],
    rules: restrict(
      ['electron', 'jssip', 'jssip/*', '**/main/**', '**/preload/**', ...nodeBuiltins],
      'only renderer/src/sip imports jssip; the renderer reaches the services only through the bridge',
    ),
  },
);
