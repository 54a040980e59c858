// The dashboard's page. `npm run build` writes it into the Python package (committed, so that
// `pip install pyspire` needs no Node); `npm run dev` serves it with /api forwarded to a running
// app host, for working on the page: to its dashboard (PYSPIRE_DASHBOARD_URL, after logging in
// there), or straight to its control API (PYSPIRE_API_URL + PYSPIRE_API_TOKEN, from
// .pyspire/runs/*.json), which is what the dashboard server itself does.
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

export default defineConfig({
  plugins: [preact()],
  base: "./",
  build: {
    outDir: "../src/pyspire/dashboard/static",
    emptyOutDir: true,
    // One predictable layout so the package data and the freshness test stay simple.
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
  },
  server: {
    proxy: devProxy(),
  },
});

function devProxy() {
  const { PYSPIRE_DASHBOARD_URL, PYSPIRE_API_URL, PYSPIRE_API_TOKEN } = process.env;
  if (PYSPIRE_API_URL && PYSPIRE_API_TOKEN) {
    return {
      "/api": {
        target: PYSPIRE_API_URL,
        changeOrigin: true,
        rewrite: (path: string) => path.replace(/^\/api/, ""),
        headers: { Authorization: `Bearer ${PYSPIRE_API_TOKEN}` },
      },
    };
  }
  if (PYSPIRE_DASHBOARD_URL) return { "/api": { target: PYSPIRE_DASHBOARD_URL, changeOrigin: true } };
  return undefined;
}
