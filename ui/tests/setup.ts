// Vitest setup: DOM matchers, and a clean Tauri mock and DOM after every test.
import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
  clearMocks();
  window.location.hash = '';
});
