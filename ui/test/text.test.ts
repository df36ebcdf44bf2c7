import { describe, expect, it } from "vitest";
import { fold } from "../src/lib/fold";
import { eventLines, hashPrefix, payloadLines } from "../src/lib/custody";
import { isAbsolutePath, splitPaths } from "../src/lib/paths";
import { PROVINCES, PROVINCES_SORTED, provinceName } from "../src/lib/reference";

describe("fold", () => {
  it("removes tone marks, folds đ to d and lower-cases", () => {
    expect(fold("Hàng giả")).toBe("hang gia");
    expect(fold("ĐẮK LẮK")).toBe("dak lak");
    expect(fold("Đồng Nai")).toBe("dong nai");
    expect(fold("thuốc lá điện tử")).toBe("thuoc la dien tu");
  });

  it("treats precomposed and decomposed input alike", () => {
    expect(fold("Ha\u0300ng gia\u0309")).toBe(fold("Hàng giả"));
  });
});

describe("paths", () => {
  it("splits one path per line, ignoring blank lines and surrounding spaces", () => {
    expect(splitPaths("  /a/b.png \n\n/c d/e.pdf\r\n")).toEqual(["/a/b.png", "/c d/e.pdf"]);
  });

  it("recognises absolute POSIX, Windows and UNC paths", () => {
    expect(isAbsolutePath("/home/x.png")).toBe(true);
    expect(isAbsolutePath("C:\\Users\\x.png")).toBe(true);
    expect(isAbsolutePath("D:/x.png")).toBe(true);
    expect(isAbsolutePath("\\\\server\\share\\x.png")).toBe(true);
    expect(isAbsolutePath("x.png")).toBe(false);
    expect(isAbsolutePath("./x.png")).toBe(false);
  });
});

describe("custody payload", () => {
  it("summarises edits as old → new", () => {
    expect(payloadLines({ field: "title", old: "A", new: "B" })).toEqual([{ key: "title", value: "A → B" }]);
  });

  it("shortens digests and joins arrays", () => {
    const sha = "a".repeat(64);
    expect(payloadLines({ sha256: sha, tags: ["x", "y"] })).toEqual([
      { key: "sha256", value: `${"a".repeat(16)}…` },
      { key: "tags", value: "x, y", items: ["x", "y"] },
    ]);
  });

  it("copes with empty or missing payloads", () => {
    expect(payloadLines({})).toEqual([]);
    expect(payloadLines(null)).toEqual([]);
  });

  it("shortens hashes for display", () => {
    expect(hashPrefix("0123456789abcdef0123")).toBe("0123456789ab…");
    expect(hashPrefix("abc")).toBe("abc");
  });
});

describe("reference data", () => {
  it("has the 34 provincial-level units with unique codes", () => {
    expect(PROVINCES).toHaveLength(34);
    expect(new Set(PROVINCES.map((p) => p.code)).size).toBe(34);
    expect(provinceName("HCM")).toBe("TP. Hồ Chí Minh");
    expect(provinceName("XX")).toBe("XX");
  });

  it("sorts province names in Vietnamese order", () => {
    const names = PROVINCES_SORTED.map((p) => p.name);
    expect(names[0]).toBe("An Giang");
    expect(names.indexOf("Đà Nẵng")).toBeGreaterThan(names.indexOf("Cần Thơ"));
    expect(names.indexOf("Đồng Tháp")).toBeLessThan(names.indexOf("Gia Lai"));
  });
});

describe("eventLines", () => {
  it("summarises the kinds the core writes and keeps unknown kinds whole", () => {
    const created = { code: "QLTT-HN-2026-0001", title: "Hàng giả", id: "x", unit: "Đội 1", violation_categories: [] };
    const text = (lines: { key: string; value: string }[]) => lines.map((l) => `${l.key}: ${l.value}`);
    expect(text(eventLines("case_created", created))).toEqual(["code: QLTT-HN-2026-0001", "title: Hàng giả", "violation_categories: "]);
    expect(text(eventLines("note_added", { note_id: "n1", text: "đã xác minh" }))).toEqual(["text: đã xác minh"]);
    expect(text(eventLines("evidence_added", { original_filename: "a.png", size: 3, sha256: "ab", note: null, device: "vm" }))).toEqual([
      "original_filename: a.png",
      "size: 3",
      "sha256: ab",
    ]);
    const sha = "a".repeat(64);
    const capture = {
      evidence_id: "e1",
      sha256: sha,
      url: "http://x.vn",
      final_url: "https://x.vn/",
      http_status: 200,
      server_ip: "203.0.113.5",
      partial_reason: null,
      artifacts: [],
    };
    expect(text(eventLines("capture_added", capture))).toEqual([
      "final_url: https://x.vn/",
      "http_status: 200",
      "server_ip: 203.0.113.5",
      `sha256: ${"a".repeat(16)}…`,
    ]);
    expect(text(eventLines("capture_added", { ...capture, partial_reason: "total_timeout: 120 s" })).at(-1)).toBe(
      "partial_reason: total_timeout: 120 s",
    );
    const stamp = { evidence_id: "e1", digest: sha, gen_time: "2026-11-28T07:00:00Z", tsa_url: "https://tsa.example/", token_sha256: sha };
    expect(text(eventLines("timestamp_added", stamp))).toEqual([
      "gen_time: 2026-11-28T07:00:00Z",
      "tsa_url: https://tsa.example/",
    ]);
    expect(text(eventLines("sealed", { seal: "s" }))).toEqual(["seal: s"]);
  });
});
