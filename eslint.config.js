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
/** npm packages of the Node side only: never bundled into the page, the preload or common/. */
const nodeOnlyPackages = ['better-sqlite3', 'ws', 'yaml', 'conf', 'nodemailer', 'electron-updater', 'electron-log', 'electron-log/*', 'csv-parse', 'csv-parse/*', 'ts-ebml'];
const noOnly = [
  { selector: "CallExpression[callee.object.name='test'][callee.property.name='only']", message: 'no .only' },
  { selector: "CallExpression[callee.object.name='it'][callee.property.name='only']", message: 'no .only' },
  { selector: "CallExpression[callee.object.name='describe'][callee.property.name='only']", message: 'no .only' },
];
/** The window's protections: nothing in the shell turns one off. */
const weakened = (key, value) => ({
  selector: `Property[key.name='${key}'] > Literal[value=${value}]`,
  message: `${key}: ${value} weakens the renderer's isolation (see main/shell/guards.ts)`,
});
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
      'no-restricted-syntax': ['error', ...noOnly],
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: restrict(['electron', 'jssip', 'jssip/*', 'react', 'react-dom', ...nodeBuiltins, ...nodeOnlyPackages], 'common/ is pure TypeScript shared by every process'),
  },
  {
    files: ['main/services/**/*.ts', 'main/host/**/*.ts'],
    rules: restrict(['electron', 'jssip', 'jssip/*', 'react', 'react-dom', '**/renderer/**'], 'services run in plain Node: no Electron, no renderer code'),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict(['jssip', 'jssip/*', 'react', 'react-dom', '**/main/**', '**/renderer/**', ...nodeBuiltins, ...nodeOnlyPackages], 'the preload only bridges the contract'),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict(['electron', '**/main/**', '**/preload/**', ...nodeBuiltins, ...nodeOnlyPackages], 'the renderer reaches the services only through the bridge'),
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/src/sip/**'],
    rules: restrict(
      ['electron', 'jssip', 'jssip/*', '**/main/**', '**/preload/**', ...nodeBuiltins, ...nodeOnlyPackages],
      'only renderer/src/sip imports jssip; the renderer reaches the services only through the bridge',
    ),
  },
  {
    // The Electron shell: the main process. No page code; the window's protections stay on.
    files: ['main/shell/**/*.ts'],
    rules: {
      ...restrict(['jssip', 'jssip/*', 'react', 'react-dom', '**/renderer/**', '**/preload/**', 'ws', 'better-sqlite3'], 'the shell wires Electron to the services (main/services) and its own decisions'),
      'no-restricted-syntax': [
        'error',
        ...noOnly,
        weakened('nodeIntegration', true),
        weakened('nodeIntegrationInWorker', true),
        weakened('nodeIntegrationInSubFrames', true),
        weakened('contextIsolation', false),
        weakened('sandbox', false),
        weakened('webSecurity', false),
        weakened('allowRunningInsecureContent', true),
        weakened('experimentalFeatures', true),
        weakened('webviewTag', true),
        { selector: "CallExpression[callee.property.name='openExternal']:not(:has(MemberExpression[property.name='openExternally']))", message: 'shell.openExternal only with a URL guards.ts decided on (decision.openExternally)' },
      ],
    },
  },
  {
    // The shell's decisions are plain functions tested in Node: only main.ts and secrets.ts touch Electron.
    files: ['main/shell/**/*.ts'],
    ignores: ['main/shell/main.ts', 'main/shell/secrets.ts'],
    rules: restrict(['electron', 'jssip', 'jssip/*', 'react', 'react-dom', '**/renderer/**', '**/preload/**', 'ws', 'better-sqlite3'], 'main/shell decisions are plain TypeScript (tested without Electron): wire Electron in main.ts'),
  },
  {
    // Type-aware: a promise nobody awaits loses its error (an unanswered call, a failed write).
    files: ['common/**/*.ts', 'main/**/*.ts', 'preload/**/*.ts', 'renderer/**/*.{ts,tsx}', 'scripts/**/*.ts', 'tests/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
);
