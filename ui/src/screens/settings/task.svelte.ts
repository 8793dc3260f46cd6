// A long task of the settings screen (export, import, restore) and its `progress` events.
import { listenAll, onProgress, type Progress } from '../../lib/commands';

export class Task {
  /** True from the command's start to its end. */
  running = $state(false);
  /** The task's latest `progress` event while it runs. */
  progress = $state<Progress | null>(null);

  constructor(readonly name: 'export_profile' | 'import_profile' | 'export_log' | 'restore') {}

  /** Follows the `progress` events of this task; returns the function that stops. */
  listen(): () => void {
    return listenAll(
      onProgress((p) => {
        if (this.running && p.task === this.name) this.progress = p;
      }),
    );
  }

  /** Runs the command with `running` set, and forgets the progress when it ends. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.running = true;
    this.progress = null;
    try {
      return await work();
    } finally {
      this.running = false;
      this.progress = null;
    }
  }
}
