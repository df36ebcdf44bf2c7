import { describe, expect, it } from "vitest";
import { CAPTURE_MEDIA_TYPE, isInternalHost, MemoryBackend, sha256Hex } from "../src/lib/backend-memory";
import { PROFILE } from "./harness";

describe("MemoryBackend", () => {
  it("hashes with SHA-256", async () => {
    expect(await sha256Hex(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("searches with diacritics folded on both sides", async () => {
    const backend = new MemoryBackend({ profile: PROFILE });
    await backend.caseCreate({ title: "Bán hàng giả", violation_categories: [], product_group: "", origin: "tip" });
    await backend.caseCreate({ title: "Đường dây thuốc lá", violation_categories: [], product_group: "", origin: "tip" });
    expect((await backend.caseList({ query: "hang gia" })).map((c) => c.title)).toEqual(["Bán hàng giả"]);
    expect((await backend.caseList({ query: "HÀNG GIẢ" })).map((c) => c.title)).toEqual(["Bán hàng giả"]);
    expect((await backend.caseList({ query: "duong day" })).map((c) => c.title)).toEqual(["Đường dây thuốc lá"]);
    expect(await backend.caseList({ query: "khong co" })).toEqual([]);
    expect(await backend.caseList({ status: "sealed" })).toEqual([]);
  });

  it("refuses to create cases without a profile", async () => {
    const backend = new MemoryBackend();
    await expect(
      backend.caseCreate({ title: "x", violation_categories: [], product_group: "", origin: "tip" }),
    ).rejects.toMatchObject({ code: "profile_missing" });
  });

  it("adds nothing when one path is bad and chains custody events", async () => {
    const backend = new MemoryBackend({ profile: PROFILE, files: { "/a.txt": "abc", "/empty": "" }, directories: ["/d"] });
    const { code } = await backend.caseCreate({ title: "x", violation_categories: [], product_group: "", origin: "tip" });
    await expect(backend.evidenceAdd(code, ["/a.txt", "/missing"])).rejects.toMatchObject({ code: "file_not_found" });
    await expect(backend.evidenceAdd(code, ["/d"])).rejects.toMatchObject({ code: "not_a_file" });
    await expect(backend.evidenceAdd(code, ["/empty"])).rejects.toMatchObject({ code: "empty_file" });
    expect((await backend.caseGet(code)).evidence).toEqual([]);

    const [item] = await backend.evidenceAdd(code, ["/a.txt"]);
    expect(item?.size).toBe(3);
    const log = await backend.custodyLog(code);
    expect(log.map((e) => e.kind)).toEqual(["case_created", "evidence_added"]);
    expect(log[1]?.prev_hash).toBe(log[0]?.hash);
    await expect(backend.caseGet("NOPE")).rejects.toMatchObject({ code: "case_not_found" });
  });

  it("captures a page as a web_capture item with a capture_added event", async () => {
    const backend = new MemoryBackend({
      profile: PROFILE,
      pages: { "https://a.example/x": { title: " Trang A ", final_url: "https://a.example/y", http_status: 203 } },
    });
    const { code } = await backend.caseCreate({ title: "x", violation_categories: [], product_group: "", origin: "tip" });
    const item = await backend.captureUrl(code, "https://a.example/x");
    expect(item).toMatchObject({
      kind: "web_capture",
      original_filename: "Trang A",
      source_path: "https://a.example/y",
      media_type: CAPTURE_MEDIA_TYPE,
      note: null,
    });
    expect(item.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(item.size).toBeGreaterThan(0);
    expect((await backend.caseGet(code)).evidence).toEqual([item]);
    const log = await backend.custodyLog(code);
    expect(log.map((e) => e.kind)).toEqual(["case_created", "capture_added"]);
    expect(log[1]?.prev_hash).toBe(log[0]?.hash);
    expect(log[1]?.payload).toMatchObject({
      evidence_id: item.id,
      sha256: item.sha256,
      url: "https://a.example/x",
      final_url: "https://a.example/y",
      http_status: 203,
      partial_reason: null,
    });
    const untitled = await backend.captureUrl(code, "http://b.example");
    expect(untitled.original_filename).toBe("http://b.example/");
    expect(untitled.sha256).not.toBe(item.sha256);
  });

  it("refuses bad and internal URLs with capture_failed sub-codes and stores nothing", async () => {
    const backend = new MemoryBackend({ profile: PROFILE });
    const { code } = await backend.caseCreate({ title: "x", violation_categories: [], product_group: "", origin: "tip" });
    const refused = async (url: string) => {
      const error = await backend.captureUrl(code, url).then(
        () => null,
        (e: { code: string; message: string }) => e,
      );
      expect(error?.code, url).toBe("capture_failed");
      return error?.message.split(":")[0];
    };
    expect(await refused("not a url")).toBe("invalid_url");
    expect(await refused("ftp://files.example/")).toBe("scheme_not_allowed");
    expect(await refused("file:///etc/passwd")).toBe("scheme_not_allowed");
    for (const url of ["http://localhost:8080/", "http://127.0.0.1/", "https://10.0.0.1/", "http://192.168.1.1", "http://[::1]/"]) {
      expect(await refused(url)).toBe("policy_refused");
    }
    expect(await refused("https://shop.invalid/")).toBe("dns_failed");
    expect((await backend.caseGet(code)).evidence).toEqual([]);
    expect((await backend.custodyLog(code)).map((e) => e.kind)).toEqual(["case_created"]);
    await expect(backend.captureUrl("NOPE", "https://a.example/")).rejects.toMatchObject({ code: "case_not_found" });

    backend.captureAllowList = ["LOCALHOST"];
    expect((await backend.captureUrl(code, "http://localhost:8080/")).kind).toBe("web_capture");
  });

  it("classifies internal hosts", () => {
    for (const host of ["localhost", "a.localhost", "127.1.2.3", "10.9.9.9", "192.168.0.1", "172.16.0.1", "169.254.1.1", "[::1]", "fd00::1"]) {
      expect(isInternalHost(host), host).toBe(true);
    }
    for (const host of ["example.vn", "8.8.8.8", "172.32.0.1", "192.169.0.1", "2001:db8::1"]) {
      expect(isInternalHost(host), host).toBe(false);
    }
  });
});
