import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { choose, click, newCase, openCase, renderApp, type } from "./harness";

const rowCodes = () => screen.queryAllByTestId("case-row").map((row) => row.dataset.code);

describe("case list", () => {
  it("creates a case, opens it, and lists it with its categories", async () => {
    const { backend } = await renderApp();
    await click("new-case-button");
    await screen.findByTestId("case-create");

    // The title is required.
    await click("case-create");
    expect(await screen.findByText(viCatalog["validation.title_required"])).toBeTruthy();
    expect(backend.calls.some((c) => c.method === "caseCreate")).toBe(false);

    await type("case-title", "Bán mỹ phẩm giả trên Facebook");
    await fireEvent.click(screen.getByTestId("case-category-counterfeit_goods"));
    await fireEvent.click(screen.getByTestId("case-category-ip_infringing_goods"));
    await type("case-product-group", "Mỹ phẩm");
    await choose("case-origin", "complaint");
    await click("case-create");

    const code = await waitFor(() => {
      const text = screen.getByTestId("case-code").textContent ?? "";
      expect(text).not.toBe("");
      return text;
    });
    const created = backend.calls.find((c) => c.method === "caseCreate");
    expect(created?.args[0]).toEqual({
      title: "Bán mỹ phẩm giả trên Facebook",
      violation_categories: ["counterfeit_goods", "ip_infringing_goods"],
      product_group: "Mỹ phẩm",
      origin: "complaint",
    });
    expect(screen.getByTestId("case-heading").textContent).toBe("Bán mỹ phẩm giả trên Facebook");
    const events = await screen.findAllByTestId("custody-event");
    expect(events.map((e) => e.dataset.kind)).toEqual(["case_created"]);

    await click("back-to-list");
    await waitFor(() => expect(rowCodes()).toEqual([code]));
    const row = screen.getByTestId("case-row");
    expect(within(row).getByText("Hàng giả")).toBeTruthy();
    expect(within(row).getByText("Nháp")).toBeTruthy();
  });

  it("passes the search text to the backend, which folds diacritics", async () => {
    let fake = { code: "" };
    let smuggled = { code: "" };
    const { backend } = await renderApp(undefined, async (b) => {
      fake = await newCase(b, "Bán hàng giả nhãn hiệu", "Giày dép");
      smuggled = await newCase(b, "Thuốc lá điện tử nhập lậu");
    });
    await click("lang-switch"); // Search works the same in either language.
    await waitFor(() => expect(rowCodes().sort()).toEqual([fake.code, smuggled.code].sort()));

    await type("case-search", "hang gia");
    await waitFor(() => expect(rowCodes()).toEqual([fake.code]));
    const last = backend.calls.filter((c) => c.method === "caseList").at(-1);
    expect(last?.args[0]).toEqual({ query: "hang gia", status: undefined });

    await type("case-search", "THUOC LA");
    await waitFor(() => expect(rowCodes()).toEqual([smuggled.code]));

    await type("case-search", "không có gì");
    await screen.findByTestId("case-list-empty");
  });

  it("filters by status on the backend", async () => {
    const { backend } = await renderApp(undefined, (b) => newCase(b, "Một vụ việc nháp"));
    await waitFor(() => expect(rowCodes()).toHaveLength(1));
    await choose("case-status-filter", "approved");
    await waitFor(() => expect(rowCodes()).toHaveLength(0));
    const last = backend.calls.filter((c) => c.method === "caseList").at(-1);
    expect(last?.args[0]).toEqual({ query: undefined, status: "approved" });
  });

  it("edits the case fields and records each change in the custody log", async () => {
    let code = "";
    const { backend } = await renderApp(undefined, async (b) => {
      code = (await newCase(b, "Tiêu đề cũ")).code;
    });
    await openCase(code);

    await click("case-edit");
    await type("case-title", "Tiêu đề mới");
    await fireEvent.click(screen.getByTestId("case-category-expired_goods"));
    await click("case-save");

    await waitFor(() => expect(screen.getByTestId("case-heading").textContent).toBe("Tiêu đề mới"));
    expect(backend.calls.find((c) => c.method === "caseEdit")?.args).toEqual([
      code,
      { title: "Tiêu đề mới", violation_categories: ["counterfeit_goods", "expired_goods"] },
    ]);
    const kinds = screen.getAllByTestId("custody-event").map((e) => e.dataset.kind);
    expect(kinds).toEqual(["case_created", "field_edited", "field_edited"]);
    expect(screen.getAllByText(viCatalog["custody.kind.field_edited"])).toHaveLength(2);
  });

  it("adds notes", async () => {
    let code = "";
    await renderApp(undefined, async (b) => {
      code = (await newCase(b, "Vụ có ghi chú")).code;
    });
    await openCase(code);
    expect((screen.getByTestId("note-add") as HTMLButtonElement).disabled).toBe(true);

    await type("note-input", "Đã liên hệ chủ tài khoản thanh toán.");
    await click("note-add");

    const item = await screen.findByTestId("note-item");
    expect(item.textContent).toContain("Đã liên hệ chủ tài khoản thanh toán.");
    expect((screen.getByTestId("note-input") as HTMLTextAreaElement).value).toBe("");
    await waitFor(() =>
      expect(screen.getAllByTestId("custody-event").map((e) => e.dataset.kind)).toContain("note_added"),
    );
  });
});

describe("integrity check", () => {
  it("shows a green summary when the workspace is intact", async () => {
    await renderApp(undefined, (b) => newCase(b, "x"));
    await click("verify-button");
    const result = await screen.findByTestId("verify-result");
    expect(result.dataset.ok).toBe("true");
    expect(result.textContent).toContain(viCatalog["verify.ok_title"]);
    expect(result.textContent).toContain("Đã kiểm tra 1 vụ việc, 1 sự kiện nhật ký");
  });

  it("lists every problem when it is not", async () => {
    const { backend } = await renderApp();
    const sha = "e".repeat(64);
    backend.problems = [
      { kind: "blob_mismatch", case_code: "QLTT-HN-2026-0001", sha256: sha, seq: null, detail: "hash differs" },
      { kind: "chain_broken", case_code: "QLTT-HN-2026-0002", sha256: null, seq: 4, detail: "prev_hash" },
    ];
    await click("verify-button");
    const result = await screen.findByTestId("verify-result");
    expect(result.dataset.ok).toBe("false");
    expect(result.textContent).toContain("Phát hiện 2 vấn đề về toàn vẹn");
    const rows = within(result).getAllByTestId("verify-problem");
    expect(rows[0]?.textContent).toContain("blob_mismatch");
    expect(rows[0]?.textContent).toContain(sha);
    expect(rows[1]?.textContent).toContain("QLTT-HN-2026-0002");
    expect(rows[1]?.textContent).toContain("sự kiện #4");
  });
});
