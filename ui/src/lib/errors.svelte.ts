// The one error the banner shows. Any component reports a failed call here; the banner
// maps its code to catalog text. Provided through context so each App has its own.

import { getContext, setContext } from "svelte";
import { toAppError } from "./ipc";
import type { AppError } from "./types";

export class ErrorSlot {
  current = $state<AppError | null>(null);

  show(error: unknown): void {
    this.current = toAppError(error);
  }

  clear(): void {
    this.current = null;
  }
}

const KEY = Symbol("errors");

export function provideErrors(slot: ErrorSlot): void {
  setContext(KEY, slot);
}

export function useErrors(): ErrorSlot {
  return getContext<ErrorSlot>(KEY);
}
