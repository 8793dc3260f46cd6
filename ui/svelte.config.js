import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  // TypeScript in <script lang="ts"> blocks.
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Svelte 5 runes everywhere, no legacy reactive statements.
    runes: true,
  },
};
