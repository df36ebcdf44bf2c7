// The window's half of the app lock: asks the shell which screen comes first, tells it
// about keyboard and mouse input (the shell's ticker decides when the idle time is up,
// so a hidden window whose timers are throttled still locks), and looks every few
// seconds whether the shell locked by itself (idle, suspend), so the page can drop
// everything it shows at once.

import type { Backend } from "./ipc";
import type { AppStatus } from "./types";

/** At most one activity report per this many ms. */
export const ACTIVITY_EVERY_MS = 15_000;
/** How often the window asks whether the shell has locked. */
export const POLL_EVERY_MS = 3_000;

const INPUT_EVENTS = ["keydown", "mousedown", "mousemove", "wheel", "touchstart"] as const;

export interface LockHandlers {
  /** The first status, once. */
  started(status: AppStatus): void;
  /** The shell is no longer open (locked by itself). */
  locked(status: AppStatus): void;
  failed(error: unknown): void;
}

/** Starts watching; returns the function that stops it. */
export function watchAppLock(backend: Backend, handlers: LockHandlers): () => void {
  let open = false;
  let stopped = false;
  let lastReport = 0;

  const onInput = () => {
    const now = Date.now();
    if (!open || now - lastReport < ACTIVITY_EVERY_MS) return;
    lastReport = now;
    backend.appActivity().catch(() => {
      // A lost report only makes the lock come sooner; nothing to show.
    });
  };

  void backend
    .appStatus()
    .then((status) => {
      if (stopped) return;
      open = status.state === "open";
      handlers.started(status);
    })
    .catch((error) => {
      if (!stopped) handlers.failed(error);
    });

  // Polls in every state: an unlock or a create elsewhere in the page shows up here
  // as "open" again, and only the step from open to anything else is reported.
  const timer = setInterval(() => {
    backend
      .appStatus()
      .then((status) => {
        if (stopped) return;
        const nowOpen = status.state === "open";
        if (open && !nowOpen) handlers.locked(status);
        open = nowOpen;
      })
      .catch(() => {
        // The next poll tries again.
      });
  }, POLL_EVERY_MS);

  for (const name of INPUT_EVENTS) globalThis.addEventListener?.(name, onInput, { passive: true });

  return () => {
    stopped = true;
    clearInterval(timer);
    for (const name of INPUT_EVENTS) globalThis.removeEventListener?.(name, onInput);
  };
}
