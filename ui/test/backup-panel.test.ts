import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { MemoryBackend, MemoryDesktop } from "../src/lib/backend-memory";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { PROFILE, newCase } from "./harness";
import Host from "./BackupPanelHost.svelte";

async function setup(directories: string[] = []) {
  const backend = new MemoryBackend({
    profile: PROFILE,
    directories,
    files: { "/home/canbo/a.txt": "Biên bản 1", "/home/canbo/b.txt": "Biên bản 2" },
  });
  const c = await newCase(backend, "Mỹ phẩm giả", "Mỹ phẩm");
  await backend.evidenceAdd(c.code, ["/home/canbo/a.txt", "/home/canbo/b.txt"]);
  const result = render(Host, { props: { backend, desktop: new MemoryDesktop() } });
  return { backend, code: c.code, ...result };
}

async function typePath(value: string) {
  await fireEvent.input(screen.getByTestId("backup-path"), { target: { value } });
}

describe("BackupPanel", () => {
  it("shows the progress bar while a backup runs, then the manifest hash", async () => {
    const { backend } = await setup();
    let release!: () => void;
    backend.backup.gate = new Promise<void>((r) => (release = r));
    await typePath("/media/usb/sao-luu.tar");
    await fireEvent.click(screen.getByTestId("backup-run"));

    const bar = await screen.findByTestId("backup-progress");
    await waitFor(() => expect(Number(bar.dataset.total)).toBeGreaterThan(0));
    expect(Number(bar.dataset.done)).toBeLessThan(Number(bar.dataset.total));
    expect(screen.getByTestId("backup-percent").textContent).toMatch(/^Đang sao lưu… \d+%$/);
    expect((screen.getByTestId("backup-to-file") as HTMLButtonElement).disabled).toBe(true);

    release();
    const result = await screen.findByTestId("backup-result");
    expect(screen.queryByTestId("backup-progress")).toBeNull();
    expect(result.dataset.kind).toBe("archive");
    expect(screen.getByTestId("backup-result-path").textContent).toBe("/media/usb/sao-luu.tar");
    expect(screen.getByTestId("backup-result-manifest").textContent).toMatch(/^[0-9a-f]{64}$/);
    expect(screen.getByTestId("backup-result-counts").textContent).toContain("1 vụ việc, 2 chứng cứ");
    expect(backend.readFile("/media/usb/sao-luu.tar")).toBeDefined();
  });

  it("backs up incrementally to a folder: the second run copies only new files", async () => {
    const { backend, code } = await setup(["/media/usb"]);
    backend.backup.dialogAnswer = "/media/usb";
    await fireEvent.click(screen.getByTestId("backup-to-folder"));
    await waitFor(() => expect(screen.getByTestId("backup-result-counts").textContent).toContain("(2 tệp mới chép)"));
    expect(screen.getByTestId("backup-result").dataset.kind).toBe("folder");

    backend.addFile("/home/canbo/c.txt", "Biên bản 3");
    await backend.evidenceAdd(code, ["/home/canbo/c.txt"]);
    const first = screen.getByTestId("backup-result-manifest").textContent;
    await fireEvent.click(screen.getByTestId("backup-to-folder"));
    await waitFor(() => expect(screen.getByTestId("backup-result-counts").textContent).toContain("(1 tệp mới chép)"));
    expect(screen.getByTestId("backup-result-manifest").textContent).not.toBe(first);
    expect(backend.calls.filter((c) => c.method === "backupRunDialog").map((c) => c.args)).toEqual([[true], [true]]);
  });

  it("says so when the dialog is cancelled, and shows errors in Vietnamese with their code", async () => {
    const { backend } = await setup();
    backend.backup.dialogAnswer = null;
    await fireEvent.click(screen.getByTestId("backup-to-file"));
    await screen.findByTestId("backup-cancelled");
    expect(screen.queryByTestId("backup-result")).toBeNull();

    backend.failNext("backupRun", { code: "backup_disk_full", message: "no space left" });
    await typePath("/media/usb/day.tar");
    await fireEvent.click(screen.getByTestId("backup-run"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("backup_disk_full");
    expect(banner.textContent).toContain(viCatalog["errors.backup_disk_full"]);
    expect(screen.queryByTestId("backup-result")).toBeNull();

    // The shell's rule: a relative path is refused.
    await typePath("sao-luu.tar");
    await fireEvent.click(screen.getByTestId("backup-run"));
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("invalid_input"));
  });

  it("ends its event subscription when it goes away", async () => {
    const { backend, unmount } = await setup();
    await waitFor(() => expect(backend.backup.listenerCount).toBe(1));
    unmount();
    expect(backend.backup.listenerCount).toBe(0);
  });
});
