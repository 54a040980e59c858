// The dashboard's page. `npm run build` writes it into the Python package (committed, so that
// `pip install pyspire` needs no Node); `npm run dev` serves it with /api forwarded to a running
// app host's dashboard (PYSPIRE_DASHBOARD_URL) for working on the page.
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
    proxy: process.env.PYSPIRE_DASHBOARD_URL
      ? { "/api": { target: process.env.PYSPIRE_DASHBOARD_URL, changeOrigin: true } }
      : undefined,
  },
});
