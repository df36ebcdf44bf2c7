import { describe, expect, it } from "vitest";
import { MemoryBackend, sha256Hex } from "../src/lib/backend-memory";
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
});
