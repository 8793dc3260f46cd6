// Short-lived notices ("toasts") shown in the corner: confirmations and background events.
// Errors that need an action belong next to what failed (ErrorNotice, Field), not here.

export type NoticeKind = 'info' | 'ok' | 'warn' | 'error';

export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
}

const DEFAULT_TIMEOUT_MS = 6000;

class Notices {
  items = $state<Notice[]>([]);
  private next = 1;

  /** Shows a notice; it goes away after `timeoutMs` (0: stays until dismissed). */
  push(kind: NoticeKind, text: string, timeoutMs = DEFAULT_TIMEOUT_MS): number {
    const id = this.next++;
    this.items.push({ id, kind, text });
    if (timeoutMs > 0) setTimeout(() => this.dismiss(id), timeoutMs);
    return id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((n) => n.id !== id);
  }

  clear(): void {
    this.items = [];
  }
}

export const notices = new Notices();
