import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The built UI lands in ui/dist, which tauri.conf.json names as frontendDist.
// The window's CSP allows only 'self' for scripts and styles, so the build must
// emit external files only: no inline scripts, no injected <style> tags.
export default defineConfig({
  plugins: [svelte()],
  // Tauri serves the files from its own protocol; relative asset URLs work there and in tests.
  base: './',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inlined assets (data: URLs for fonts or scripts would need CSP exceptions).
    assetsInlineLimit: 0,
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  // Svelte 5 picks its client (browser) build only under the 'browser' condition, which Vitest
  // does not set by itself. Outside Vitest keep Vite's defaults: an empty list would replace
  // them and pull Svelte's server build into the bundle.
  resolve: {
    conditions: process.env.VITEST ? ['browser'] : [...defaultClientConditions],
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./tests/setup.ts'],
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    // Two cores: keep the worker count small.
    maxWorkers: 2,
    // The contrast test reads the design tokens as text (tokens.css?raw).
    css: { include: [/tokens\.css/] },
    testTimeout: 10_000,
  },
});
