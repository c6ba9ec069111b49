/** An API error as the user should see it: the problem+json `detail` (RFC 9457), never a stack. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly detail: string, readonly type?: string,
              readonly retryAfter?: string | null) {
    super(detail);
    this.name = "ApiError";
  }
}

export function toApiError(body: unknown, response: Response): ApiError {
  const retryAfter = response.headers.get("Retry-After");
  if (body && typeof body === "object") {
    const problem = body as { detail?: unknown; title?: unknown; type?: unknown };
    const type = typeof problem.type === "string" ? problem.type : undefined;
    if (typeof problem.detail === "string") return new ApiError(response.status, problem.detail, type, retryAfter);
    // FastAPI-style validation lists: keep the first message, it names the field.
    if (Array.isArray(problem.detail) && problem.detail.length > 0) {
      const first = problem.detail[0] as { msg?: unknown; loc?: unknown };
      const where = Array.isArray(first.loc) ? first.loc.join(".") : "";
      return new ApiError(response.status, `${where ? `${where}: ` : ""}${String(first.msg ?? "invalid")}`, type, retryAfter);
    }
    if (typeof problem.title === "string") return new ApiError(response.status, problem.title, type, retryAfter);
  }
  return new ApiError(response.status, `The server answered ${response.status} ${response.statusText}`.trim(),
                      undefined, retryAfter);
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) {
    // Wallet libraries put a one-line reason first; the rest is debugging detail.
    const short = (error as { shortMessage?: unknown }).shortMessage;
    return typeof short === "string" ? short : error.message.split("\n")[0] ?? "Something went wrong";
  }
  return "Something went wrong";
}
