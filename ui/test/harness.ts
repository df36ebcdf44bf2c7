import { expect } from "vitest";
// Renders the whole app against the in-memory backend, the way the desktop shell
// renders it against the Tauri one.
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import App from "../src/App.svelte";
import { MemoryBackend, MemoryDesktop, type MemoryOptions } from "../src/lib/backend-memory";
import type { Profile } from "../src/lib/types";

export const PROFILE: Profile = {
  name: "nguyen.van.an",
  display_name: "Nguyễn Văn An",
  agency: "QLTT",
  unit: "Đội QLTT số 1",
  province: "HN",
  role: "investigator",
  created_at: "2026-11-01T00:00:00Z",
};

/** Renders the app after `seed` has put data in the backend, as if from an earlier session. */
export async function renderApp(
  options: MemoryOptions = { profile: PROFILE },
  seed?: (backend: MemoryBackend) => Promise<unknown>,
) {
  const backend = new MemoryBackend(options);
  const desktop = new MemoryDesktop();
  await seed?.(backend);
  const result = render(App, { props: { backend, desktop } });
  return { backend, desktop, ...result };
}

// The helpers wait for their element: screens appear after asynchronous loads.
export async function type(testId: string, value: string) {
  await fireEvent.input(await screen.findByTestId(testId), { target: { value } });
}

export async function choose(testId: string, value: string) {
  await fireEvent.change(await screen.findByTestId(testId), { target: { value } });
}

export async function click(testId: string) {
  await fireEvent.click(await screen.findByTestId(testId));
}

export async function newCase(backend: MemoryBackend, title: string, product_group = "") {
  return backend.caseCreate({ title, violation_categories: ["counterfeit_goods"], product_group, origin: "tip" });
}

/** Opens a case from the list by its row. */
export async function openCase(code: string) {
  const row = await waitFor(() => {
    const found = screen.getAllByTestId("case-row").find((r) => r.dataset.code === code);
    if (!found) throw new Error(`no row for ${code}`);
    return found;
  });
  await fireEvent.click(row);
  await waitFor(() => expect(screen.getByTestId("case-code").textContent).toBe(code));
}
