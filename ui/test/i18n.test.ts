import { describe, expect, it } from "vitest";
import { en } from "../src/lib/i18n/en";
import { vi } from "../src/lib/i18n/vi";
import { captureReasonFor, errorKey, labelFor, translate, translatePlural } from "../src/lib/i18n/catalog";
import { captureReason } from "../src/lib/capture";
import {
  currentLocale,
  errorText,
  LOCALE_STORAGE_KEY,
  loadLocale,
  setLocale,
  t,
} from "../src/lib/i18n/index.svelte";
import { AGENCY_CODES } from "../src/lib/reference";
import {
  CASE_ORIGINS,
  CASE_STATUSES,
  ERROR_CODES,
  ROLES,
  VIOLATION_CATEGORIES,
} from "../src/lib/types";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("message catalogs", () => {
  it("have identical key sets", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
  });

  it("have no empty messages", () => {
    for (const catalog of [vi, en]) {
      for (const [key, text] of Object.entries(catalog)) {
        expect(text.trim(), key).not.toBe("");
      }
    }
  });

  it("use the same placeholders in both languages", () => {
    for (const key of Object.keys(vi) as (keyof typeof vi)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(vi[key]));
    }
  });

  it("label every value of every closed enum and every agency", () => {
    const keys = [
      ...VIOLATION_CATEGORIES.map((v) => `category.${v}`),
      ...CASE_STATUSES.map((v) => `status.${v}`),
      ...CASE_ORIGINS.map((v) => `origin.${v}`),
      ...ROLES.map((v) => `role.${v}`),
      ...AGENCY_CODES.map((v) => `agency.${v}`),
      ...["case_created", "field_edited", "evidence_added", "note_added", "capture_added", "timestamp_added"].map(
        (v) => `custody.kind.${v}`,
      ),
      ...["final_url", "http_status", "server_ip", "sha256", "partial_reason", "gen_time", "tsa_url"].map(
        (v) => `custody.field.${v}`,
      ),
    ];
    for (const key of keys) {
      expect(Object.keys(vi), key).toContain(key);
    }
  });

  it("use the users' Vietnamese terms", () => {
    expect(vi["category.counterfeit_goods"]).toBe("Hàng giả");
    expect(vi["category.smuggled_goods"]).toBe("Hàng nhập lậu");
    expect(vi["status.sealed"]).toBe("Đã niêm phong");
    expect(vi["origin.tip"]).toBe("Tin báo");
    expect(vi["role.investigator"]).toBe("Điều tra viên");
    expect(vi["custody.title"]).toBe("Nhật ký lưu giữ chứng cứ");
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(translate("vi", "cases.count.other", { count: 3 })).toBe("3 vụ việc");
    expect(translate("en", "errors.banner_code", { code: "io_error" })).toBe("Error code: io_error");
    expect(translate("en", "errors.banner_code")).toBe("Error code: {code}");
  });

  it("has both plural forms of every counted message", () => {
    const keys = Object.keys(vi);
    for (const key of keys.filter((k) => k.endsWith(".other"))) {
      expect(keys, key).toContain(key.replace(/\.other$/, ".one"));
    }
    for (const key of keys.filter((k) => k.endsWith(".one"))) {
      expect(keys, key).toContain(key.replace(/\.one$/, ".other"));
    }
  });

  it("chooses the plural form by language", () => {
    expect(translatePlural("en", "evidence.count", 1)).toBe("1 file");
    expect(translatePlural("en", "evidence.count", 2)).toBe("2 files");
    expect(translatePlural("en", "evidence.count", 0)).toBe("0 files");
    expect(translatePlural("vi", "evidence.count", 1)).toBe("1 tệp");
    expect(translatePlural("vi", "evidence.count", 2)).toBe("2 tệp");
  });

  it("shows unknown enum values raw", () => {
    expect(labelFor("vi", "custody.kind", "evidence_added")).toBe("Thêm chứng cứ");
    expect(labelFor("vi", "custody.kind", "case_synced")).toBe("case_synced");
    expect(labelFor("en", "status", "archived")).toBe("archived");
  });
});

describe("error codes", () => {
  it("every contract code has its own message in both languages", () => {
    for (const code of ERROR_CODES) {
      expect(errorKey(code)).toBe(`errors.${code}`);
      expect(translate("vi", errorKey(code))).not.toBe(translate("vi", "errors.fallback"));
      expect(translate("en", errorKey(code))).not.toBe(translate("en", "errors.fallback"));
    }
  });

  it("maps known codes to catalog text", () => {
    expect(translate("vi", errorKey("case_not_found"))).toBe("Không tìm thấy vụ việc.");
    expect(translate("en", errorKey("case_not_found"))).toBe("Case not found.");
  });

  it("falls back to the generic message for unknown codes", () => {
    expect(errorKey("quantum_flux")).toBe("errors.fallback");
    expect(errorKey("")).toBe("errors.fallback");
    // Keys under errors. that are not codes must not be mistaken for one.
    expect(errorKey("banner_code")).toBe("errors.fallback");
    expect(errorKey("fallback")).toBe("errors.fallback");
  });

  it("follows the current language", () => {
    expect(errorText("file_not_found")).toBe(vi["errors.file_not_found"]);
    setLocale("en");
    expect(errorText("file_not_found")).toBe(en["errors.file_not_found"]);
  });
});

describe("language choice", () => {
  it("defaults to Vietnamese", () => {
    expect(currentLocale()).toBe("vi");
    expect(t("nav.cases")).toBe("Vụ việc");
    expect(document.documentElement.lang).toBe("vi");
  });

  it("persists the choice and sets <html lang>", () => {
    setLocale("en");
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe("en");
    expect(document.documentElement.lang).toBe("en");
    expect(t("nav.cases")).toBe("Cases");
    setLocale("vi");
    localStorage.setItem(LOCALE_STORAGE_KEY, "en");
    loadLocale();
    expect(currentLocale()).toBe("en");
  });

  it("ignores a corrupt stored value", () => {
    localStorage.setItem(LOCALE_STORAGE_KEY, "klingon");
    loadLocale();
    expect(currentLocale()).toBe("vi");
  });
});

describe("capture failure reasons", () => {
  const SUB_CODES = [
    "invalid_url",
    "scheme_not_allowed",
    "policy_refused",
    "dns_failed",
    "connect_failed",
    "connect_timeout",
    "tls_error",
    "idle_timeout",
    "total_timeout",
    "response_too_large",
    "too_many_redirects",
    "disconnected",
    "malformed_response",
  ];

  it("reads the sub-code from a capture_failed message only", () => {
    expect(captureReason({ code: "capture_failed", message: "policy_refused: address 10.0.0.1 is private" })).toBe(
      "policy_refused",
    );
    expect(captureReason({ code: "capture_failed", message: "tls_error: bad certificate" })).toBe("tls_error");
    expect(captureReason({ code: "capture_failed", message: "something broke" })).toBeNull();
    expect(captureReason({ code: "capture_failed", message: "" })).toBeNull();
    expect(captureReason({ code: "io_error", message: "io_error: disk full" })).toBeNull();
  });

  it("explains every sub-code of the capture crate in both languages", () => {
    for (const sub of SUB_CODES) {
      expect(Object.keys(vi), sub).toContain(`capture.reason.${sub}`);
      expect(captureReasonFor("en", sub)).toBe(en[`capture.reason.${sub}` as keyof typeof en]);
    }
    expect(captureReasonFor("vi", "policy_refused")).toContain("chống SSRF");
    expect(captureReasonFor("en", "policy_refused")).toContain("SSRF protection");
  });

  it("shows an unknown sub-code raw", () => {
    expect(captureReasonFor("vi", "quantum_flux")).toBe("Lý do: quantum_flux");
    expect(captureReasonFor("en", "quantum_flux")).toBe("Reason: quantum_flux");
  });
});
