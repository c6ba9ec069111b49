import { NextResponse, type NextRequest } from "next/server";

// The browser talks to the API same-origin (no CORS, and the SIWE domain is this app's host): every
// `/v1/*` request is rewritten to API_URL, read at run time so one build serves any environment.
export function proxy(request: NextRequest): NextResponse {
  const base = process.env.API_URL ?? "http://127.0.0.1:8000";
  const target = new URL(request.nextUrl.pathname + request.nextUrl.search, base);
  return NextResponse.rewrite(target);
}

export const config = { matcher: "/v1/:path*" };
