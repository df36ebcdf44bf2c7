import { describe, expect, it } from "vitest";
import { screen, waitFor } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { en as enCatalog } from "../src/lib/i18n/en";
import { click, choose, PROFILE, renderApp, type } from "./harness";

const CSV = [
  "Ngày tiếp nhận,Kênh,Người báo,Số điện thoại,Email,Nội dung,Đường dẫn",
  "20/11/2026,Đường dây nóng,Nguyễn Văn An,0912345612,,Shop bán đồng hồ giả,https://shopee.vn/x",
  "2026/11/20,Hotline,Lê Thị Bình,0987654321,,Mỹ phẩm giả,",
  "20/11/2026,hotline,Nguyễn Văn An,0912 345 612,,Shop bán đồng hồ giả,",
  "22/11/2026,Fax,Trần Văn C,,,Thuốc lá lậu,",
].join("\n");

describe("tips and complaints", () => {
  it("has its words in both languages", () => {
    for (const key of Object.keys(viCatalog).filter((k) => k.startsWith("tips.") || k.startsWith("tip_"))) {
      expect(enCatalog).toHaveProperty(key);
    }
  });

  it("records a tip with a masked reporter, reveals it on request and opens a case that names the tip", async () => {
    const { backend } = await renderApp();
    await click("nav-tips");
    await click("tip-new");
    await type("tip-received", "20/11/2026");
    await choose("tip-channel", "hotline");
    await type("tip-summary", "Shop bán đồng hồ giả");
    await type("tip-allegation", "Liên hệ 0903 111 222");
    await type("tip-name", "Nguyễn Văn An");
    await type("tip-phone", "0912345612");
    await click("tip-save");
    await waitFor(() => expect(screen.getByTestId("tip-contact-phone").textContent).toBe("09******12"));
    expect(screen.getByTestId("tip-status").textContent).toBe("Chờ phân loại");
    await click("tip-reveal");
    await waitFor(() => expect(screen.getByTestId("tip-contact-phone").textContent).toBe("0912345612"));
    const code = screen.getByTestId("tip-code").textContent ?? "";
    const log = (await backend.tipGet(code)).events.map((e) => e.kind);
    expect(log).toEqual(["created", "contact_revealed"]);

    await click("tip-open-case");
    await waitFor(() => expect(screen.getByTestId("tip-case-link")).toBeTruthy());
    await click("tip-case-link");
    const origin = await screen.findByTestId("case-origin-tip");
    expect(origin.dataset.tip).toBe(code);
    expect(origin.textContent).toContain("20/11/2026");
    expect(origin.textContent).toContain("Đường dây nóng");
  });

  it("shows a duplicate by phone with its reason", async () => {
    await renderApp({ profile: PROFILE }, async (backend) => {
      const base = { received_at: null, violation_categories: [], product_group: "", links: [], attachments: [] };
      const contact = { name: "", phone: "", email: "", address: "", organization: "" };
      await backend.tipCreate({ ...base, channel: "hotline", summary: "Đồng hồ giả", allegation: "gọi 0903 111 222", contact, identifiers: [] });
      await backend.tipCreate({ ...base, channel: "email", summary: "Shop đồng hồ", allegation: "", contact, identifiers: ["+84903111222"] });
    });
    await click("nav-tips");
    await waitFor(() => expect(screen.getAllByTestId("tip-row")).toHaveLength(2));
    screen.getAllByTestId("tip-open")[1]?.click();
    const dup = await screen.findByTestId("tip-duplicate");
    expect(dup.dataset.target).toBe("tip");
    expect(dup.textContent).toContain("+84903111222");
  });

  it("previews an import row by row, then imports the valid rows", async () => {
    const { backend } = await renderApp({ profile: PROFILE, files: { "/tmp/tin-bao.csv": CSV } });
    await click("nav-tips");
    await click("tip-import-open");
    await type("tip-import-path", "/tmp/tin-bao.csv");
    await click("tip-import-preview");
    await waitFor(() => expect(screen.getAllByTestId("tip-import-row")).toHaveLength(4));
    const statuses = screen.getAllByTestId("tip-import-row").map((r) => [r.dataset.row, r.dataset.status]);
    expect(statuses).toEqual([
      ["2", "ok"],
      ["3", "error"],
      ["4", "duplicate_in_file"],
      ["5", "error"],
    ]);
    expect(await backend.tipList()).toHaveLength(0);
    await click("tip-import-commit");
    await waitFor(() => expect(screen.getByTestId("tip-import-summary").textContent).toContain("1"));
    expect(await backend.tipList()).toHaveLength(1);
  });

  it("shows a bad file's error in the banner", async () => {
    await renderApp({ profile: PROFILE, files: { "/tmp/sai.csv": "Date,Name\n1,2\n" } });
    await click("nav-tips");
    await click("tip-import-open");
    await type("tip-import-path", "/tmp/sai.csv");
    await click("tip-import-preview");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("import_invalid"));
  });
});
