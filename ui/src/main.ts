import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { tauriBackend, tauriDesktop } from "./lib/ipc";

const target = document.getElementById("app");
if (!target) throw new Error("missing #app element");

export default mount(App, { target, props: { backend: tauriBackend, desktop: tauriDesktop } });
