// Tells the Rust side that the owner is at the keyboard, so its idle auto-lock starts over.
// The owner's input is reported at most once per interval: the first input right away, and,
// if more input came during the interval, once more at its end (so the last input of a busy
// spell is not lost, and the auto-lock counts from it, give or take the interval).

export const ACTIVITY_INTERVAL_MS = 30_000;

/** DOM events that count as the owner being present. */
export const ACTIVITY_EVENTS = ['pointermove', 'pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export interface ActivityReporterOptions {
  send: () => Promise<unknown>;
  intervalMs?: number;
  /** Called when sending fails (for example, the vault locked meanwhile). */
  onError?: (error: unknown) => void;
}

export interface ActivityReporter {
  /** Call on every input event; cheap. */
  poke(): void;
  stop(): void;
}

export function createActivityReporter({
  send,
  intervalMs = ACTIVITY_INTERVAL_MS,
  onError,
}: ActivityReporterOptions): ActivityReporter {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = false;
  let stopped = false;

  const fire = () => {
    pending = false;
    send().catch((error: unknown) => onError?.(error));
    timer = setTimeout(() => {
      timer = undefined;
      if (pending && !stopped) fire();
    }, intervalMs);
  };

  return {
    poke() {
      if (stopped) return;
      if (timer === undefined) fire();
      else pending = true;
    },
    stop() {
      stopped = true;
      pending = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Reports the owner's input on `target` until the returned function is called. */
export function watchActivity(target: Window, options: ActivityReporterOptions): () => void {
  const reporter = createActivityReporter(options);
  const poke = () => reporter.poke();
  for (const name of ACTIVITY_EVENTS) target.addEventListener(name, poke, { passive: true, capture: true });
  return () => {
    for (const name of ACTIVITY_EVENTS) target.removeEventListener(name, poke, { capture: true });
    reporter.stop();
  };
}
