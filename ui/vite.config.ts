import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";

// The Tauri shell loads `dist/` in production and the dev server on a fixed port in
// development, so the port must not silently move (strictPort) and Vite must not wipe
// the terminal that also shows the Rust build output (clearScreen).
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    // WebKitGTK 2.4x on Linux, WKWebView (Safari 16+) on macOS, WebView2 on Windows.
    target: ["es2022", "safari16", "chrome110"],
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.ts"],
    // Dates are shown in local time; pin the zone so expectations are stable.
    env: { TZ: "Asia/Ho_Chi_Minh" },
    setupFiles: ["test/setup.ts"],
  },
});
