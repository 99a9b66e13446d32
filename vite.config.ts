import { defineConfig } from 'vite';

// The renderer: built to dist/renderer, loaded by the Electron shell (app://) or the browser host.
export default defineConfig({
  root: 'renderer',
  base: './',
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome130',
    chunkSizeWarningLimit: 1500,
    // V8's explicit compile hint (Chromium 136+, so Electron's too): every function of the window's
    // bundle is compiled as the script loads, off the main thread, instead of the first time it runs.
    // Without it the first ringing call after start compiled JsSIP's, the engine's and the panel's
    // call-only code on the main thread inside its pop: bench:panel measured that call's main-thread
    // JavaScript at 15–21 ms with lazy compilation, 13–14 ms with the hint (later calls 8–9 ms), and
    // the start's main-thread CPU no higher (about 1.5 MB more heap). After minification, so the
    // comment stays the file's first line.
    rollupOptions: { output: { postBanner: (chunk) => (chunk.isEntry && chunk.name === 'index' ? '//# allFunctionsCalledOnLoad' : '') } },
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
