import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { en as enCatalog } from "../src/lib/i18n/en";
import { REPORT_PRESETS } from "../src/lib/types";
import { click, newCase, PROFILE, renderApp, type } from "./harness";

const total = (key: string) => screen.getByTestId(`report-total-${key}`).dataset.value;

async function openReports() {
  await screen.findByTestId("new-case-button");
  await click("nav-report");
  await screen.findByTestId("report-screen");
}

describe("report builder", () => {
  it("names every preset in both languages", () => {
    for (const preset of REPORT_PRESETS) {
      expect(viCatalog[`report.preset.${preset}`]).toBeTruthy();
      expect(enCatalog[`report.preset.${preset}`]).toBeTruthy();
    }
    expect(viCatalog["nav.report"]).toBe("Báo cáo");
  });

  it("previews the figures of the last six months with a bar per month", async () => {
    const { backend } = await renderApp(undefined, async (b) => {
      await newCase(b, "Mỹ phẩm giả", "Mỹ phẩm");
      await newCase(b, "Đồng hồ giả", "Đồng hồ");
    });
    await openReports();
    await click("report-preview");
    await screen.findByTestId("report-preview-figures");
    expect(total("cases_opened")).toBe("2");
    expect(total("cases_sealed")).toBe("0");
    // 6 months back from November 2026: June … November.
    const months = [...screen.getByTestId("report-month-chart").querySelectorAll("[data-month]")].map(
      (g) => g.getAttribute("data-month"),
    );
    expect(months).toEqual(["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]);
    const products = screen.getByTestId("report-product-chart");
    expect(products.querySelector('[data-key="Mỹ phẩm"]')?.getAttribute("data-value")).toBe("1");
    // The scope starts at the acting profile's agency.
    const call = backend.calls.find((c) => c.method === "reportFigures");
    expect(call?.args[0]).toEqual({ preset: "6m", format: "pdf", agency: PROFILE.agency });
  });

  it("refuses a custom period that ends before it starts, with the error code", async () => {
    await renderApp();
    await openReports();
    await click("report-preset-custom");
    await type("report-from", "2026-10-01");
    await type("report-to", "2026-09-01");
    await click("report-preview");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("invalid_input"));
    expect(screen.queryByTestId("report-preview-figures")).toBeNull();
  });

  it("exports an XLSX to a typed path, refuses a wrong extension, and reports a cancelled dialog", async () => {
    const { backend } = await renderApp(undefined, async (b) => {
      await newCase(b, "Mỹ phẩm giả", "Mỹ phẩm");
    });
    await openReports();
    await click("report-format-xlsx");

    await type("report-path", "/home/canbo/bao-cao.pdf");
    await click("report-export");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("invalid_input"));
    expect(backend.readFile("/home/canbo/bao-cao.pdf")).toBeUndefined();

    await type("report-path", "/home/canbo/bao-cao.xlsx");
    await click("report-export");
    const saved = await screen.findByTestId("report-saved");
    expect(saved.dataset.path).toBe("/home/canbo/bao-cao.xlsx");
    expect(saved.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(backend.readFile("/home/canbo/bao-cao.xlsx")).toBeDefined();

    // No path: the save dialog asks; cancelling it writes nothing.
    await type("report-path", "");
    backend.saveDialogAnswer = null;
    await click("report-export");
    await screen.findByTestId("report-cancelled");
    expect(backend.calls.some((c) => c.method === "reportBuildDialog")).toBe(true);

    backend.saveDialogAnswer = "/home/canbo/chon.xlsx";
    await fireEvent.click(screen.getByTestId("report-export"));
    await waitFor(() => expect(screen.getByTestId("report-saved").dataset.path).toBe("/home/canbo/chon.xlsx"));
  });
});
