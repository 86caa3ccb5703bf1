// What a service answers when it says no: RFC 9457 problem+json with a stable `code`, turned into a
// sentence in the user's language. Raw JSON or a stack trace never reaches the screen.
import type { MessageKey, Translator } from "../i18n";

export interface FieldError {
  field: string;
  message: string;
  in?: string;
}

export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  errors?: FieldError[];
}

/** A service answered with an error status. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly fieldErrors: FieldError[];

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? problem.code);
    this.name = "ApiError";
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail ?? "";
    this.fieldErrors = problem.errors ?? [];
  }
}

/** The request never got an answer: offline, the connection dropped, or the edge is unreachable. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "NetworkError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The problem in a response body, whatever shape an intermediary gave it. */
export function problemOf(status: number, body: unknown): Problem {
  if (isRecord(body) && typeof body.code === "string") {
    const errors = Array.isArray(body.errors)
      ? body.errors.filter(isRecord).map((e) => ({
          field: String(e.field ?? ""),
          message: String(e.message ?? ""),
          in: typeof e.in === "string" ? e.in : undefined,
        }))
      : undefined;
    return {
      status,
      code: body.code,
      title: typeof body.title === "string" ? body.title : undefined,
      detail: typeof body.detail === "string" ? body.detail : undefined,
      errors,
    };
  }
  return { status, code: `http_${status}` };
}

function statusFallback(status: number): MessageKey {
  if (status === 401) return "problem.unauthorized";
  if (status === 403) return "problem.forbidden";
  if (status === 404) return "problem.not_found";
  if (status === 409) return "problem.conflict";
  if (status === 422 || status === 400) return "problem.validation_failed";
  if (status === 429) return "problem.rate_limited";
  if (status >= 500) return "problem.server";
  return "problem.unknown";
}

/** One sentence for any error a page caught. */
export function describeError(error: unknown, t: Translator): string {
  if (error instanceof ApiError) {
    return t.dynamic(`problem.${error.code}`, statusFallback(error.status));
  }
  if (error instanceof NetworkError) return t("problem.network");
  return t("problem.unknown");
}

// Pydantic's wording of the common constraints, so a server's field error reads in the user's language.
const fieldPatterns: [RegExp, MessageKey][] = [
  [/^Field required$/i, "field.required"],
  [/at least (\d+) characters?/i, "field.min_length"],
  [/at most (\d+) characters?/i, "field.max_length"],
  [/greater than or equal to (\d+)/i, "field.min_value"],
  [/greater than (\d+)/i, "field.greater_than"],
  [/less than or equal to (\d+)/i, "field.max_value"],
  [/valid email|email address/i, "field.emailInvalid"],
  [/should match pattern/i, "field.pattern"],
  [/valid (integer|number)/i, "field.number"],
];

export function describeFieldError(error: FieldError, t: Translator): string {
  for (const [pattern, key] of fieldPatterns) {
    const match = pattern.exec(error.message);
    if (match) return t(key, { n: match[1] ?? "" });
  }
  return t("field.invalid");
}

/** Server field errors by the form field they belong to (the last part of `items[0].name` etc.). */
export function fieldErrorsOf(error: unknown, t: Translator): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const fieldError of error.fieldErrors) {
    out[fieldError.field] ??= describeFieldError(fieldError, t);
  }
  return out;
}
