// The one place the UI listens to events the desktop shell sends on its own (see
// docs/ipc-contract.md, "Events"): what the capture browser did, and evidence stamped
// in the background, and sync progress. Components reach them through `Backend.onCaptureBrowser` and
// `Backend.onEvidenceStamped`, so tests use the in-memory backend instead.

import { listen } from "@tauri-apps/api/event";
import type { BackupProgress, CaptureBrowserEvent, EvidenceStamped, SyncProgress } from "./types";

export const CAPTURE_BROWSER_EVENT = "capture-browser";
export const EVIDENCE_STAMPED_EVENT = "evidence-stamped";
export const SYNC_PROGRESS_EVENT = "sync-progress";

/** Resolves to the function that stops listening. */
export type Unlisten = () => void;

async function on<T>(name: string, handler: (payload: T) => void): Promise<Unlisten> {
  return listen<T>(name, (event) => handler(event.payload));
}

export function onCaptureBrowser(handler: (event: CaptureBrowserEvent) => void): Promise<Unlisten> {
  return on(CAPTURE_BROWSER_EVENT, handler);
}

export function onEvidenceStamped(handler: (event: EvidenceStamped) => void): Promise<Unlisten> {
  return on(EVIDENCE_STAMPED_EVENT, handler);
}

export function onSyncProgress(handler: (event: SyncProgress) => void): Promise<Unlisten> {
  return on(SYNC_PROGRESS_EVENT, handler);
}

export const BACKUP_PROGRESS_EVENT = "backup-progress";

export function onBackupProgress(handler: (event: BackupProgress) => void): Promise<Unlisten> {
  return on(BACKUP_PROGRESS_EVENT, handler);
}
