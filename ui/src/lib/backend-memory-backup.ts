// Backups in the in-memory backend, with the shell's rules (`src-tauri/src/commands/
// backup.rs`): the window names an absolute `.tar` path that does not exist yet, or an
// existing folder (incremental: only blobs the folder lacks are counted as copied);
// `backup-progress` events climb to the total; one backup at a time. The archive is
// JSON standing in for the tar file; its manifest digest is a real SHA-256.

import type { BackupProgress, BackupSummary } from "./types";
import { BackendError } from "./ipc";

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", data as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface BackupHooks {
  /** What the workspace holds now: counts and the stored blobs (address → size). */
  contents(): { cases: number; evidence: number; blobs: Map<string, number> };
  readFile(path: string): Uint8Array | undefined;
  writeFile(path: string, data: Uint8Array): void;
  isDirectory(path: string): boolean;
  now(): string;
}

export class MemoryBackup {
  private readonly listeners = new Set<(event: BackupProgress) => void>();
  /** Blob addresses each backup folder already holds. */
  private readonly folders = new Map<string, Set<string>>();
  private running = false;
  /** While set, a backup waits for it after its first progress event (tests watch the bar). */
  gate: Promise<unknown> | null = null;
  /** What the native dialog answers; `null` is "cancelled". */
  dialogAnswer: string | null = null;

  constructor(private readonly hooks: BackupHooks) {}

  listen(handler: (event: BackupProgress) => void): () => void {
    this.listeners.add(handler);
    return () => this.listeners.delete(handler);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async run(out: string): Promise<BackupSummary> {
    const path = out.trim();
    const folder = path.startsWith("/") && this.hooks.isDirectory(path);
    if (!folder) {
      if (!path.startsWith("/")) fail("invalid_input", `the destination must be an absolute path: ${path}`);
      if (!/[^/]\.tar$/i.test(path)) fail("invalid_input", `the destination must be a .tar file: ${path}`);
      if (this.hooks.readFile(path)) fail("invalid_input", `${path} already exists; choose a new file name or an existing folder`);
    }
    if (this.running) fail("invalid_input", "a backup is already running");
    this.running = true;
    try {
      return await this.write(path, folder);
    } finally {
      this.running = false;
    }
  }

  private async write(path: string, folder: boolean): Promise<BackupSummary> {
    const { cases, evidence, blobs } = this.hooks.contents();
    const held = folder ? (this.folders.get(path) ?? new Set<string>()) : new Set<string>();
    const toCopy = [...blobs].filter(([sha]) => !held.has(sha));
    const db = 4096 + 512 * (cases + evidence);
    const total = db + toCopy.reduce((n, [, size]) => n + size, 0);
    let done = db;
    this.emit({ done, total });
    if (this.gate) await this.gate;
    for (const [sha, size] of toCopy) {
      done += size;
      held.add(sha);
      this.emit({ done, total });
    }
    const createdAt = this.hooks.now();
    const snapshot = createdAt.replace(/[-:.]/g, "").replace(/Z$/, "") + "Z";
    const manifest = new TextEncoder().encode(
      JSON.stringify({ format: "truyvet.backup.v1", snapshot, created_at: createdAt, cases, evidence, blobs: [...blobs.keys()] }),
    );
    const manifestSha = await sha256Hex(manifest);
    if (folder) this.folders.set(path, held);
    else this.hooks.writeFile(path, manifest);
    const bytes = db + [...blobs.values()].reduce((n, size) => n + size, 0);
    return {
      kind: folder ? "folder" : "archive",
      path,
      snapshot,
      manifest_sha256: manifestSha,
      created_at: createdAt,
      schema_version: 11,
      cases,
      evidence,
      blobs: blobs.size,
      blobs_copied: toCopy.length,
      bytes,
      bytes_written: total,
    };
  }

  private emit(event: BackupProgress): void {
    for (const listener of this.listeners) listener({ ...event });
  }
}
