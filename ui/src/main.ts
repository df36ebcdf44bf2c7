import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { tauriBackend, tauriDesktop, type Backend, type Desktop } from "./lib/ipc";

const target = document.getElementById("app");
if (!target) throw new Error("missing #app element");

async function connect(): Promise<{ backend: Backend; desktop: Desktop }> {
  // Outside the desktop shell (a browser on the Vite dev server) there is no IPC; a
  // development build then runs on sample data. Production builds always use Tauri.
  if (import.meta.env.DEV && !("__TAURI_INTERNALS__" in window)) {
    const { demoBackend } = await import("./lib/demo");
    return demoBackend(new URLSearchParams(location.search).has("setup"));
  }
  return { backend: tauriBackend, desktop: tauriDesktop };
}

const props = await connect();
export default mount(App, { target, props });
