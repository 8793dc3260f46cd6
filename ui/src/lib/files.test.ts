import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseOpenPath, chooseSavePath } from './files';

const KIND = { name: 'Butler export', extensions: ['butler'] };

afterEach(() => clearMocks());

describe('file choosers', () => {
  it('asks the dialog plugin where to save, with the default path and a filter', async () => {
    const seen: Record<string, unknown>[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'plugin:dialog|save') {
        seen.push((args as { options: Record<string, unknown> }).options);
        return '/home/owner/me.butler';
      }
    });
    await expect(chooseSavePath('/home/owner/Downloads/x.butler', KIND)).resolves.toBe('/home/owner/me.butler');
    expect(seen[0]?.defaultPath).toBe('/home/owner/Downloads/x.butler');
    expect(seen[0]?.filters).toContainEqual(KIND);
  });

  it('gives null when the owner cancels or there is no chooser', async () => {
    mockIPC((cmd) => (cmd === 'plugin:dialog|open' ? null : undefined));
    await expect(chooseOpenPath('/home/owner', KIND)).resolves.toBeNull();
    mockIPC(() => {
      throw new Error('no dialog here');
    });
    await expect(chooseSavePath('/home/owner/x', KIND)).resolves.toBeNull();
  });
});
