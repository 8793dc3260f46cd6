import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActivityReporter, watchActivity } from './idle';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('createActivityReporter', () => {
  it('sends the first input at once and at most one more per interval', async () => {
    const send = vi.fn(() => Promise.resolve());
    const reporter = createActivityReporter({ send, intervalMs: 30_000 });

    reporter.poke();
    expect(send).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(250);
      reporter.poke();
    }
    expect(send).toHaveBeenCalledTimes(1);

    // The input during the interval is reported once when it ends.
    vi.advanceTimersByTime(30_000);
    expect(send).toHaveBeenCalledTimes(2);

    // No input since: nothing more.
    vi.advanceTimersByTime(120_000);
    expect(send).toHaveBeenCalledTimes(2);

    // Input after a quiet spell goes out at once.
    reporter.poke();
    expect(send).toHaveBeenCalledTimes(3);
    reporter.stop();
  });

  it('sends nothing after stop', () => {
    const send = vi.fn(() => Promise.resolve());
    const reporter = createActivityReporter({ send, intervalMs: 1000 });
    reporter.poke();
    reporter.poke();
    reporter.stop();
    vi.advanceTimersByTime(5000);
    reporter.poke();
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('hands failures to onError', async () => {
    const failure = { code: 'locked', message: 'The vault is locked.' };
    const onError = vi.fn();
    const reporter = createActivityReporter({ send: () => Promise.reject(failure), onError });
    reporter.poke();
    await vi.runOnlyPendingTimersAsync();
    expect(onError).toHaveBeenCalledWith(failure);
    reporter.stop();
  });
});

describe('watchActivity', () => {
  it('reports mouse and keyboard input on the window until stopped', () => {
    const send = vi.fn(() => Promise.resolve());
    const stop = watchActivity(window, { send, intervalMs: 30_000 });
    window.dispatchEvent(new Event('pointermove'));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    expect(send).toHaveBeenCalledTimes(1);
    stop();
    vi.advanceTimersByTime(60_000);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    expect(send).toHaveBeenCalledTimes(1);
  });
});
