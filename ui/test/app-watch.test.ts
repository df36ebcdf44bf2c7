import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import WatchDiff from "../src/components/WatchDiff.svelte";
import { diffLines } from "../src/lib/backend-memory-watch";
import type { WatchDiff as Diff, WatchSnapshot } from "../src/lib/types";
import { click, renderApp, type } from "./harness";

function snapshot(id: number, at: string, shot: string | null): WatchSnapshot {
  return {
    id,
    item_id: "w",
    checked_at: at,
    outcome: "ok",
    http_status: 200,
    final_url: "https://dongho.vn/",
    title: "",
    text_sha256: "a".repeat(64),
    screenshot_sha256: shot,
    warc_sha256: null,
    changed: id > 1,
    error_code: null,
    error_message: null,
  };
}

const PNG = "data:image/png;base64,iVBORw0KGgo=";

function diff(from: string, to: string, shots = true): Diff {
  const lines = diffLines(from, to);
  return {
    item_id: "w",
    from: snapshot(1, "2026-11-27T01:00:00.000Z", shots ? "b".repeat(64) : null),
    to: snapshot(2, "2026-11-28T01:00:00.000Z", shots ? "c".repeat(64) : null),
    lines,
    added: lines.filter((l) => l.tag === "added").length,
    removed: lines.filter((l) => l.tag === "removed").length,
  };
}

describe("WatchDiff", () => {
  it("highlights added and removed lines and shows both screenshots side by side", () => {
    render(WatchDiff, {
      props: { diff: diff("Rolex\nGiá 1.200.000đ", "Rolex\nGiá 990.000đ\nSắp hết hàng"), fromShot: PNG, toShot: PNG },
    });
    const added = screen.getAllByTestId("watch-diff-added").map((l) => l.textContent ?? "");
    const removed = screen.getAllByTestId("watch-diff-removed").map((l) => l.textContent ?? "");
    expect(added).toHaveLength(2);
    expect(added[0]).toContain("Giá 990.000đ");
    expect(added[0]).toContain("+");
    expect(added[1]).toContain("Sắp hết hàng");
    expect(removed).toHaveLength(1);
    expect(removed[0]).toContain("Giá 1.200.000đ");
    expect(screen.getAllByTestId("watch-diff-same").map((l) => l.textContent)).toEqual([
      expect.stringContaining("Rolex"),
    ]);
    expect(screen.getByTestId("watch-diff-summary").textContent).toContain("thêm 2 dòng, bớt 1 dòng");
    const shots = screen.getByTestId("watch-diff-shots");
    expect(within(shots).getByTestId("watch-shot-from").getAttribute("src")).toBe(PNG);
    expect(within(shots).getByTestId("watch-shot-to").getAttribute("src")).toBe(PNG);
  });

  it("says when the text is the same and leaves out screenshots it does not have", () => {
    render(WatchDiff, { props: { diff: diff("Rolex", "Rolex", false) } });
    expect(screen.queryByTestId("watch-diff-added")).toBeNull();
    expect(screen.queryByTestId("watch-diff-removed")).toBeNull();
    expect(screen.getByText("Nội dung chữ không thay đổi.")).toBeTruthy();
    expect(screen.queryByTestId("watch-diff-shots")).toBeNull();
  });
});

describe("watch screen", () => {
  it("adds an item, shows its change first, and opens the diff with screenshots", async () => {
    const { backend } = await renderApp();
    await click("nav-watch");
    await type("watch-target", "https://dongho-sang.vn/shop");
    await type("watch-label", "Shop đồng hồ");
    await click("watch-add");
    await waitFor(() => expect(screen.getAllByTestId("watch-row")).toHaveLength(1));
    const item = backend.watch.list()[0]!;
    backend.watch.recordCheck(item.id, { status: 200, text: "Rolex\nGiá 1.200.000đ", screenshot: PNG });
    backend.watch.recordCheck(item.id, { status: 403 });
    backend.watch.recordCheck(item.id, { status: 200, text: "Rolex\nGiá 990.000đ", screenshot: PNG });
    await click("watch-run");
    await screen.findByTestId("watch-changed");
    const row = screen.getAllByTestId("watch-row")[0]!;
    await fireEvent.click(within(row).getByRole("button"));
    const detail = await screen.findByTestId("watch-detail");
    const checks = within(detail).getAllByTestId("watch-snapshot").map((r) => r.textContent ?? "");
    expect(checks).toHaveLength(3);
    expect(checks[1]).toContain("blocked");
    await screen.findByTestId("watch-diff");
    expect(screen.getByTestId("watch-diff-added").textContent).toContain("990.000đ");
    expect(screen.getByTestId("watch-diff-removed").textContent).toContain("1.200.000đ");
    expect(screen.getAllByRole("img")).toHaveLength(2);
    // Seen once opened.
    await waitFor(() => expect(screen.queryByTestId("watch-changed")).toBeNull());
  });

  it("shows a refused target's message and keeps the list", async () => {
    await renderApp();
    await click("nav-watch");
    await type("watch-target", "https://x.vn/");
    await click("watch-add");
    await waitFor(() => expect(screen.getAllByTestId("watch-row")).toHaveLength(1));
    await type("watch-target", "https://x.vn/");
    await click("watch-add");
    await screen.findByTestId("error-banner");
    expect(screen.getAllByTestId("watch-row")).toHaveLength(1);
  });
});
