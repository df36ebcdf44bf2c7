import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { click, newCase, PROFILE, renderApp, type } from "./harness";

const PASS = "mật khẩu mở khóa";

describe("start screen", () => {
  it("creates an encrypted workspace by default, refusing a short or mismatched passphrase", async () => {
    const { backend } = await renderApp({ profile: null, shell: { phase: "needs_create", passphrase: null } });
    const encrypt = (await screen.findByTestId("create-encrypt")) as HTMLInputElement;
    expect(encrypt.checked).toBe(true);
    expect(screen.queryByTestId("profile-save")).toBeNull();

    await type("create-passphrase", "ngắn");
    await type("create-passphrase-again", "ngắn");
    await click("create-submit");
    expect((await screen.findByTestId("create-problem")).textContent).toContain("10");
    await type("create-passphrase", "một câu thật dài 2026");
    await type("create-passphrase-again", "một câu khác dài 2026");
    await click("create-submit");
    expect((await screen.findByTestId("create-problem")).textContent).toBe(viCatalog["validation.passphrase_mismatch"]);
    expect(backend.calls.some((c) => c.method === "workspaceCreate")).toBe(false);

    await type("create-passphrase-again", "một câu thật dài 2026");
    await click("create-submit");
    await screen.findByTestId("profile-save");
    expect(backend.calls.find((c) => c.method === "workspaceCreate")?.args).toEqual(["một câu thật dài 2026"]);
    expect(backend.shell.encrypted).toBe(true);
  });

  it("warns before creating an unencrypted workspace", async () => {
    const { backend } = await renderApp({ profile: null, shell: { phase: "needs_create", passphrase: null } });
    await fireEvent.click(await screen.findByTestId("create-encrypt"));
    expect((await screen.findByTestId("create-plain-warning")).textContent).toBe(viCatalog["create.plain_warning"]);
    await click("create-submit");
    await screen.findByTestId("profile-save");
    expect(backend.calls.find((c) => c.method === "workspaceCreate")?.args).toEqual([undefined]);
  });
});

describe("app lock", () => {
  it("drops every case from the page, refuses a wrong passphrase and reopens on the right one", async () => {
    let code = "";
    const { backend, container } = await renderApp({ profile: PROFILE, shell: { encrypted: true, passphrase: PASS } }, async (b) => {
      code = (await newCase(b, "Mỹ phẩm giả bán qua livestream")).code;
    });
    await screen.findByTestId("new-case-button");
    await waitFor(() => expect(container.innerHTML).toContain(code));

    await click("lock-button");
    await screen.findByTestId("lock-screen");
    expect(container.innerHTML).not.toContain(code);
    expect(container.innerHTML).not.toContain("Mỹ phẩm giả");
    expect(container.innerHTML).not.toContain(PROFILE.display_name);
    await expect(backend.caseList()).rejects.toMatchObject({ code: "app_locked" });

    await type("lock-passphrase", "sai");
    await click("lock-unlock");
    expect((await screen.findByTestId("lock-problem")).textContent).toBe(viCatalog["lock.wrong"]);
    expect(container.innerHTML).not.toContain(code);

    await type("lock-passphrase", PASS);
    await click("lock-unlock");
    await waitFor(() => expect(container.innerHTML).toContain(code));
  });

  it("counts the wait down after too many wrong passphrases", async () => {
    await renderApp({ profile: PROFILE, shell: { phase: "locked", encrypted: true, passphrase: PASS } });
    for (let i = 0; i < 3; i++) {
      await type("lock-passphrase", `sai ${i}`);
      await click("lock-unlock");
      await screen.findByTestId("lock-problem");
    }
    await type("lock-passphrase", PASS);
    await click("lock-unlock");
    const wait = await screen.findByTestId("lock-wait");
    expect(wait.textContent).toBe(viCatalog["lock.throttled"].replace("{seconds}", "5"));
    expect((screen.getByTestId("lock-unlock") as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the lock screen when the shell locked by itself (idle, suspend)", async () => {
    let code = "";
    const { backend, container } = await renderApp({ profile: PROFILE }, async (b) => {
      code = (await newCase(b, "Đồng hồ giả")).code;
    });
    await waitFor(() => expect(container.innerHTML).toContain(code));
    backend.shell.lock();
    await screen.findByTestId("lock-screen", {}, { timeout: 5000 });
    expect(container.innerHTML).not.toContain(code);
  });
});

describe("settings screen", () => {
  it("saves a valid setting, explains a refused one and switches the language", async () => {
    const { backend } = await renderApp({ profile: PROFILE });
    await click("nav-settings");
    await screen.findByTestId("settings-screen");
    expect(screen.getByTestId("settings-encryption").textContent?.trim()).toBe(viCatalog["settings.encrypted_no"]);

    await type("setting-input-capture.timeout_secs", "2");
    await click("setting-save-capture.timeout_secs");
    const problem = await screen.findByTestId("setting-problem-capture.timeout_secs");
    expect(problem.textContent).toContain(viCatalog["errors.invalid_setting"]);
    expect(backend.shell.values.has("capture.timeout_secs")).toBe(false);

    await type("setting-input-capture.timeout_secs", "45");
    await click("setting-save-capture.timeout_secs");
    await screen.findByTestId("setting-ok-capture.timeout_secs");
    expect(backend.shell.values.get("capture.timeout_secs")).toBe("45");

    await type("setting-input-lock.idle_minutes", "3");
    await click("setting-save-lock.idle_minutes");
    await screen.findByTestId("setting-ok-lock.idle_minutes");
    expect((await backend.appStatus()).idle_lock_minutes).toBe(3);

    await type("setting-input-registry.url", "https://dangky.example.gov.vn");
    await click("setting-save-registry.url");
    expect((await screen.findByTestId("setting-problem-registry.url")).textContent).toContain(
      viCatalog["errors.invalid_setting"],
    );

    const select = await screen.findByTestId("setting-input-app.language");
    await fireEvent.change(select, { target: { value: "en" } });
    await click("setting-save-app.language");
    await waitFor(() => expect(document.documentElement.lang).toBe("en"));
    await fireEvent.click(await screen.findByTestId("lang-switch"));
  });

  it("changes the passphrase of an encrypted workspace", async () => {
    const { backend } = await renderApp({ profile: PROFILE, shell: { encrypted: true, passphrase: PASS } });
    await click("nav-settings");
    await type("settings-pass-old", "sai");
    await type("settings-pass-new", "mật khẩu mới dài hơn");
    await type("settings-pass-again", "mật khẩu mới dài hơn");
    await click("settings-pass-submit");
    expect((await screen.findByTestId("settings-pass-problem")).textContent).toBe(viCatalog["lock.wrong"]);
    await type("settings-pass-old", PASS);
    await type("settings-pass-new", "mật khẩu mới dài hơn");
    await type("settings-pass-again", "mật khẩu mới dài hơn");
    await click("settings-pass-submit");
    await screen.findByTestId("settings-pass-ok");
    expect(backend.shell.passphrase).toBe("mật khẩu mới dài hơn");
  });
});
