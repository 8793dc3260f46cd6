// The system's file chooser (Tauri's dialog plugin), for where to save an export and which file
// to import. The path field stays editable; the chooser only fills it in. Outside the app (or if
// the chooser cannot open) the result is null and the owner types the path.

import { open, save } from '@tauri-apps/plugin-dialog';

export interface FileKind {
  /** What the files are, for the chooser's filter: "Butler export". */
  name: string;
  extensions: string[];
}

/** Asks where to save; `null` when the owner cancels or no chooser is available. */
export async function chooseSavePath(defaultPath: string, kind: FileKind): Promise<string | null> {
  try {
    return await save({ defaultPath, filters: [kind, { name: 'All files', extensions: ['*'] }] });
  } catch {
    return null;
  }
}

/** Asks for a file to open; `null` when the owner cancels or no chooser is available. */
export async function chooseOpenPath(defaultPath: string, kind: FileKind): Promise<string | null> {
  try {
    const chosen = await open({
      defaultPath,
      multiple: false,
      directory: false,
      filters: [kind, { name: 'All files', extensions: ['*'] }],
    });
    return typeof chosen === 'string' ? chosen : null;
  } catch {
    return null;
  }
}
