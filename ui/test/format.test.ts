import { describe, expect, it } from "vitest";
import { formatDateTime, formatInteger, formatSize } from "../src/lib/format";

describe("formatSize", () => {
  it("uses the decimal comma in Vietnamese and the point in English", () => {
    expect(formatSize(1572864, "vi")).toBe("1,5 MB");
    expect(formatSize(1572864, "en")).toBe("1.5 MB");
  });

  it("shows bytes exactly and larger units with at most one decimal", () => {
    expect(formatSize(0, "vi")).toBe("0 B");
    expect(formatSize(512, "en")).toBe("512 B");
    expect(formatSize(1023, "vi")).toBe("1.023 B");
    expect(formatSize(1024, "en")).toBe("1 KB");
    expect(formatSize(1536, "vi")).toBe("1,5 KB");
    expect(formatSize(5 * 1024 ** 3, "en")).toBe("5 GB");
    expect(formatSize(1234567890123, "en")).toBe("1.1 TB");
  });

  it("does not hide nonsense", () => {
    expect(formatSize(-1, "vi")).toBe("-1");
    expect(formatSize(Number.NaN, "en")).toBe("NaN");
  });
});

describe("formatInteger", () => {
  it("groups digits per locale", () => {
    expect(formatInteger(1572864, "vi")).toBe("1.572.864");
    expect(formatInteger(1572864, "en")).toBe("1,572,864");
  });
});

describe("formatDateTime", () => {
  // The test run pins TZ=Asia/Ho_Chi_Minh (UTC+7, no daylight saving).
  it("shows UTC instants in local time", () => {
    expect(formatDateTime("2026-11-28T07:03:05Z", "vi")).toBe("28/11/2026 14:03:05");
    expect(formatDateTime("2026-11-28T07:03:05Z", "en")).toBe("28 Nov 2026, 14:03:05");
  });

  it("crosses midnight and keeps a 24-hour clock", () => {
    expect(formatDateTime("2026-12-31T17:30:00.123456Z", "vi")).toBe("01/01/2027 00:30:00");
    expect(formatDateTime("2026-01-05T06:00:00+00:00", "en")).toBe("05 Jan 2026, 13:00:00");
  });

  it("returns unparseable input unchanged", () => {
    expect(formatDateTime("not a time", "vi")).toBe("not a time");
  });
});
