import type { NextConfig } from "next";

// `/v1/*` reaches the API through src/proxy.ts (a runtime rewrite), not through `rewrites()` here:
// rewrites are frozen into the build, while API_URL must be read when the server starts.
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The repository root has its own package-lock.json; this app is its own npm project.
  turbopack: { root: __dirname },
  outputFileTracingRoot: __dirname,
};

export default config;
