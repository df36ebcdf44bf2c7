// The app shell in the in-memory backend: the start state (open, locked, needs_create),
// the lock with the shell's bounded retries (three free tries, then 5 s doubling, as
// `unlock_throttled: try again in N s`), creating a workspace, and the settings with
// the core's checks (`invalid_setting`). While locked every other command of the
// memory backend fails with `app_locked`, as the shell's do.

import { BackendError } from "./ipc";
import type { AppPhase, AppStatus, SettingEntry, SettingsView } from "./types";

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

export const MIN_PASSPHRASE_CHARS = 10;

interface KeyInfo {
  scope: "workspace" | "app";
  description: string;
  check?: (value: string) => string | null;
}

function range(min: number, max: number) {
  return (value: string): string | null => {
    if (!/^\d+$/.test(value)) return `'${value}' is not a whole number`;
    const n = Number(value);
    return n < min || n > max ? `${n} is outside ${min}-${max}` : null;
  };
}

function url(value: string): string | null {
  if (!/^https?:\/\/[^\s/:?#][^\s]*$/.test(value)) return "the URL must start with http:// or https:// and name a host";
  return null;
}

/** The keys of `truyvet config`, with the same rules as the core. */
export const SETTING_KEYS: Record<string, KeyInfo> = {
  "capture.allow": { scope: "workspace", description: "hosts, IPs or CIDRs the capture may reach" },
  "tsa.url": { scope: "workspace", description: "URL of the RFC 3161 timestamp authority", check: url },
  "tsa.trust": { scope: "workspace", description: "PEM file of the authority's trust anchors" },
  "capture.timeout_secs": { scope: "workspace", description: "time limit per page", check: range(5, 3600) },
  "capture.max_response_mib": { scope: "workspace", description: "largest response per page", check: range(1, 4096) },
  "capture.pages_in_flight": { scope: "workspace", description: "pages fetched at once", check: range(1, 16) },
  "registry.url": { scope: "workspace", description: "URL of the central registry", check: url },
  "registry.token": { scope: "workspace", description: "this device's registry token" },
  "app.workspace": {
    scope: "app",
    description: "workspace folder (next start)",
    check: (v) => (v.startsWith("/") || /^[A-Za-z]:\\/.test(v) ? null : "the folder must be an absolute path"),
  },
  "app.language": { scope: "app", description: "vi or en", check: (v) => (v === "vi" || v === "en" ? null : "the language must be vi or en") },
  "lock.idle_minutes": { scope: "app", description: "minutes before the app locks", check: range(1, 240) },
};

export interface AppShellOptions {
  /** Where the app starts (default `open`). */
  phase?: AppPhase;
  encrypted?: boolean;
  /** What unlocks the app; `null`: no passphrase is asked. */
  passphrase?: string | null;
  /** The memory backend's clock for the throttle, in ms. */
  clock?: () => number;
}

export class MemoryAppShell {
  phase: AppPhase;
  encrypted: boolean;
  passphrase: string | null;
  private failures = 0;
  private notBefore = 0;
  private readonly clock: () => number;
  readonly values = new Map<string, string>();
  /** Whether a registry is set up (URL and token change only then). */
  registryConfigured = false;

  constructor(options: AppShellOptions = {}) {
    this.phase = options.phase ?? "open";
    this.encrypted = options.encrypted ?? false;
    this.passphrase = options.passphrase === undefined ? "mật khẩu mở khóa" : options.passphrase;
    this.clock = options.clock ?? (() => Date.now());
  }

  get locked(): boolean {
    return this.phase !== "open";
  }

  status(): AppStatus {
    const minutes = Number(this.values.get("lock.idle_minutes") ?? "10");
    const language = this.values.get("app.language") === "en" ? "en" : "vi";
    return {
      state: this.phase,
      path: "/home/thanh-tra/truyvet",
      encrypted: this.encrypted,
      passphrase_required: this.encrypted || this.passphrase !== null,
      error: null,
      idle_lock_minutes: minutes,
      language,
      min_passphrase_chars: MIN_PASSPHRASE_CHARS,
    };
  }

  lock(): AppStatus {
    if (this.phase === "open") this.phase = "locked";
    return this.status();
  }

  unlock(passphrase: string): AppStatus {
    if (this.phase !== "locked") fail("invalid_input", "the app is not locked");
    const now = this.clock();
    if (now < this.notBefore) {
      const secs = Math.ceil((this.notBefore - now) / 1000);
      fail("unlock_throttled", `too many wrong passphrases: try again in ${secs} s`);
    }
    if (this.passphrase !== null && passphrase !== this.passphrase) {
      this.failures += 1;
      if (this.failures >= 3) this.notBefore = now + Math.min(5000 * 2 ** (this.failures - 3), 300_000);
      fail("bad_passphrase", "wrong passphrase");
    }
    this.failures = 0;
    this.notBefore = 0;
    this.phase = "open";
    return this.status();
  }

  create(passphrase?: string): AppStatus {
    if (this.phase !== "needs_create") fail("invalid_input", "a workspace is already there");
    if (passphrase !== undefined) {
      if ([...passphrase].length < MIN_PASSPHRASE_CHARS) fail("invalid_input", "the passphrase is too short");
      this.encrypted = true;
      this.passphrase = passphrase;
    } else {
      this.passphrase = null;
    }
    this.phase = "open";
    return this.status();
  }

  settings(): SettingsView {
    return {
      entries: Object.keys(SETTING_KEYS).map((key) => this.entry(key)),
      workspace_path: "/home/thanh-tra/truyvet",
      encrypted: this.encrypted,
      app_config_path: "/home/thanh-tra/.config/truyvet/app.json",
    };
  }

  private entry(key: string): SettingEntry {
    const info = SETTING_KEYS[key] ?? fail("invalid_setting", `unknown setting '${key}'`);
    let value = this.values.get(key) ?? null;
    if (key === "registry.token" && value) value = `…${value.slice(-4)}`;
    return { key, value, scope: info.scope, description: info.description };
  }

  set(key: string, raw: string): SettingEntry {
    const info = SETTING_KEYS[key] ?? fail("invalid_setting", `unknown setting '${key}'`);
    const value = raw.trim();
    if (value === "") {
      this.values.delete(key);
      return this.entry(key);
    }
    if (key.startsWith("registry.") && !this.registryConfigured) {
      fail("invalid_setting", `${key}: no registry is set up yet`);
    }
    const problem = info.check?.(value) ?? null;
    if (problem) fail("invalid_setting", `${key}: ${problem}`);
    this.values.set(key, /^\d+$/.test(value) ? String(Number(value)) : value);
    return this.entry(key);
  }

  changePassphrase(old: string, next: string): void {
    if (!this.encrypted) fail("invalid_input", "this workspace is not encrypted");
    if ([...next].length < MIN_PASSPHRASE_CHARS) fail("invalid_input", "the passphrase is too short");
    if (old !== this.passphrase) fail("bad_passphrase", "wrong passphrase");
    this.passphrase = next;
  }
}

/** Backend methods that work while the app is locked. */
export const SHELL_METHODS = new Set(["appStatus", "appLock", "appUnlock", "appActivity", "workspaceCreate"]);
