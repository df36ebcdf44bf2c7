import { afterEach, describe, expect, it, vi } from "vitest";
import { screen, waitFor, within } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { en as enCatalog } from "../src/lib/i18n/en";
import type { MemoryBackend } from "../src/lib/backend-memory";
import type { ProfileInput } from "../src/lib/types";
import { click, newCase, PROFILE, renderApp } from "./harness";

const AN_PASS = "mật khẩu của An";
const HA_PASS = "mật khẩu của Hà";
const SUPERVISOR: ProfileInput = {
  display_name: "Phạm Thu Hà",
  agency: "QLTT",
  unit: "Đội QLTT số 1",
  province: "HN",
  role: "supervisor",
};

/** Two cases (one submitted by the investigator), tips and watched items; the supervisor acts. */
async function seed(backend: MemoryBackend) {
  await backend.profileKeyCreate(AN_PASS);
  const boss = await backend.profileAdd(SUPERVISOR, HA_PASS);
  await backend.profileUse(PROFILE.name);
  const submitted = await newCase(backend, "Mỹ phẩm giả trên sàn", "Mỹ phẩm");
  await backend.caseReviewEdit(submitted.code, "Nghị định 98/2020/NĐ-CP", "Phạt tiền");
  await backend.caseTransition(submitted.code, "submit", AN_PASS);
  const draft = await newCase(backend, "Đồng hồ giả", "Đồng hồ");
  await backend.profileUse(boss.name);
  const d = backend.dashboard;
  d.tips.push(
    { id: "tip-2", code: "TB-2026-0002", channel: "hotline", summary: "Bán sữa giả", status: "new", received_at: "2026-11-27T07:00:00.000Z" },
    { id: "tip-1", code: "TB-2026-0001", channel: "email", summary: "Mỹ phẩm không rõ nguồn gốc", status: "new", received_at: "2026-11-20T07:00:00.000Z" },
    { id: "tip-3", code: "TB-2026-0003", channel: "letter", summary: "Đồng hồ giả", status: "case_opened", received_at: "2026-11-10T07:00:00.000Z" },
  );
  d.caseOrigins.set(draft.code, "tip-3");
  d.watch.push(
    {
      id: "watch-1", label: "Shop mỹ phẩm X", target: "https://shopee.vn/x", platform: "shopee",
      last_checked_at: "2026-11-28T06:00:00.000Z", last_changed_at: "2026-11-28T06:00:00.000Z",
      last_error: null, risk_score: 70, active: true, changed_unseen: true,
    },
    {
      id: "watch-2", label: "Trang Y", target: "https://example.vn/y", platform: "example.vn",
      last_checked_at: "2026-11-28T05:00:00.000Z", last_changed_at: null,
      last_error: "http_status: 404", risk_score: 10, active: true, changed_unseen: false,
    },
  );
  // "Now" nine days after the cases were made, so ages and waits are whole days.
  d.clock = "2026-12-07T08:00:00.000Z";
  return { submitted, draft };
}

const rows = (testId: string) => screen.queryAllByTestId(testId);

afterEach(() => {
  vi.useRealTimers();
});

describe("supervisor dashboard", () => {
  it("has its words in both languages", () => {
    for (const key of ["nav.dashboard", "nav.report", "dashboard.queue", "dashboard.tips", "dashboard.age.over_90"] as const) {
      expect(viCatalog[key]).toBeTruthy();
      expect(enCatalog[key]).toBeTruthy();
    }
    expect(viCatalog["nav.dashboard"]).toBe("Tổng quan");
  });

  it("opens on the overview for a supervisor with figures, queue, tips and watch, and clicks through to the case", async () => {
    let codes = { submitted: "", draft: "" };
    await renderApp(undefined, async (b) => {
      const made = await seed(b);
      codes = { submitted: made.submitted.code, draft: made.draft.code };
    });
    const open = await screen.findByTestId("dashboard-open-cases");
    expect(open.dataset.count).toBe("2");
    // Status bars: one draft, one submitted.
    const statusChart = screen.getByTestId("dashboard-status-chart");
    const value = (key: string) => statusChart.querySelector(`[data-key="${key}"]`)?.getAttribute("data-value");
    expect(value("draft")).toBe("1");
    expect(value("submitted")).toBe("1");
    expect(value("sealed")).toBe("0");
    // Both cases were created nine days before "now": 7–30 days.
    const ages = screen.getByTestId("dashboard-age-created");
    expect(ages.querySelector('[data-key="from_7_to_30"]')?.getAttribute("data-value")).toBe("2");
    expect(ages.querySelector('[data-key="under_7"]')?.getAttribute("data-value")).toBe("0");

    const queue = screen.getByTestId("dashboard-review-queue");
    const queued = within(queue).getAllByTestId("dashboard-queue-row");
    expect(queued.map((r) => r.dataset.code)).toEqual([codes.submitted]);
    expect(queued[0]!.textContent).toContain("chờ 9 ngày");

    const tips = rows("dashboard-tip-row").map((r) => r.dataset.code);
    expect(tips).toEqual(["TB-2026-0001", "TB-2026-0002"]);
    expect(screen.getByTestId("dashboard-tips-waiting").textContent).toContain("TB-2026-0001");
    const fromTips = rows("dashboard-tip-case-row");
    expect(fromTips.map((r) => [r.dataset.code, r.dataset.tip])).toEqual([[codes.draft, "TB-2026-0003"]]);
    expect(screen.getByTestId("dashboard-recent-tip-cases").textContent).toContain(codes.draft);

    expect(rows("dashboard-watch-row").map((r) => r.dataset.id)).toEqual(["watch-1"]);
    expect(rows("dashboard-watch-error-row").map((r) => r.dataset.id)).toEqual(["watch-2"]);
    expect(screen.getByTestId("dashboard-watch-changed").textContent).toContain("http_status: 404");

    const link = within(queued[0]!).getByRole("button");
    link.click();
    await waitFor(() => expect(screen.getByTestId("case-code").textContent).toBe(codes.submitted));
  });

  it("starts an investigator on the case list; the sidebar opens the overview", async () => {
    await renderApp();
    await screen.findByTestId("new-case-button");
    expect(screen.queryByTestId("dashboard-screen")).toBeNull();
    await click("nav-dashboard");
    const open = await screen.findByTestId("dashboard-open-cases");
    expect(open.dataset.count).toBe("0");
    expect(screen.getByTestId("dashboard-review-queue").textContent).toContain(viCatalog["dashboard.queue_empty"]);
  });

  it("refreshes every minute", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { backend } = await renderApp(undefined, seed);
    await screen.findByTestId("dashboard-open-cases");
    const loads = () => backend.calls.filter((c) => c.method === "dashboardGet").length;
    const before = loads();
    // A case submitted meanwhile shows up at the next refresh.
    await backend.profileUse(PROFILE.name);
    const late = await newCase(backend, "Sữa giả", "Sữa");
    await backend.caseReviewEdit(late.code, "Nghị định 98/2020/NĐ-CP", "Phạt tiền");
    await backend.caseTransition(late.code, "submit", AN_PASS);
    await vi.advanceTimersByTimeAsync(60_000);
    await waitFor(() => expect(loads()).toBeGreaterThan(before));
    await waitFor(() => expect(rows("dashboard-queue-row").map((r) => r.dataset.code)).toContain(late.code));
  });

  it("shows a failure in the error banner with its code", async () => {
    const { backend } = await renderApp();
    await screen.findByTestId("new-case-button");
    backend.failNext("dashboardGet", { code: "database_error", message: "disk I/O error" });
    await click("nav-dashboard");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("database_error"));
  });
});
