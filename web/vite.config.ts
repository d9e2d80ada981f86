import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The hub serves web/dist at /; during `npm run dev` the API is proxied to a local hub.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 800 },
  worker: { format: "es" },
  server: {
    proxy: {
      "/graphql": { target: "http://127.0.0.1:8000", ws: true },
      "/api": "http://127.0.0.1:8000",
    },
  },
});
