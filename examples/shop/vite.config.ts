import { defineConfig } from 'vite';

// The shop is plain TypeScript: Vite bundles it (with the brand SDK) into dist/, which the shop's
// server (examples/shop/server) serves.
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
