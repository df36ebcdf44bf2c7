import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import type { Plugin } from "vite";

// The shell freezes Object.prototype (tauri.conf.json `freezePrototype`) against
// prototype pollution. cytoscape copies methods named `toString` onto its prototypes
// with Object.assign, which then throws (an inherited read-only property cannot be
// shadowed by assignment), so the graph view would never draw. Its one copy helper is
// rewritten to define such properties instead; the build fails if cytoscape changes
// the helper, so the rewrite cannot silently stop applying.
const CYTOSCAPE_EXTEND = "var extend = Object.assign != null ? Object.assign.bind(Object) : function (tgt) {";
const CYTOSCAPE_EXTEND_FROZEN = `var extend = function (tgt) {
  for (var i = 1; i < arguments.length; i++) {
    var src = arguments[i];
    if (src == null) continue;
    var names = Object.keys(src);
    for (var j = 0; j < names.length; j++) {
      var name = names[j];
      if (name in Object.prototype && !Object.prototype.hasOwnProperty.call(tgt, name)) {
        Object.defineProperty(tgt, name, { value: src[name], writable: true, enumerable: true, configurable: true });
      } else {
        tgt[name] = src[name];
      }
    }
  }
  return tgt;
};
var extendUnused = function (tgt) {`;

function cytoscapeUnderFrozenPrototype(): Plugin {
  return {
    name: "truyvet-cytoscape-frozen-prototype",
    transform(code, id) {
      if (!/[\\/]cytoscape[\\/]dist[\\/]cytoscape\.esm\.m?js$/.test(id)) return null;
      if (!code.includes(CYTOSCAPE_EXTEND)) {
        this.error("cytoscape's `extend` helper changed: update the frozen-prototype rewrite in vite.config.ts");
      }
      return { code: code.replace(CYTOSCAPE_EXTEND, CYTOSCAPE_EXTEND_FROZEN), map: null };
    },
  };
}

// The Tauri shell loads `dist/` in production and the dev server on a fixed port in
// development, so the port must not silently move (strictPort) and Vite must not wipe
// the terminal that also shows the Rust build output (clearScreen).
export default defineConfig({
  plugins: [svelte(), svelteTesting(), cytoscapeUnderFrozenPrototype()],
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
