// Checks a form runs before it sends, mirroring the services' own rules (which still have the last word).
import type { MessageKey, Params } from "../i18n";

export interface Invalid {
  key: MessageKey;
  params?: Params;
}

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
export const DISPLAY_NAME_MAX_LENGTH = 50;

export function checkEmail(value: string): Invalid | null {
  const email = value.trim();
  if (!email) return { key: "field.required" };
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { key: "field.emailInvalid" };
  return null;
}

export function checkPassword(value: string): Invalid | null {
  if (!value) return { key: "field.required" };
  if (value.length < PASSWORD_MIN_LENGTH) return { key: "field.min_length", params: { n: PASSWORD_MIN_LENGTH } };
  if (value.length > PASSWORD_MAX_LENGTH) return { key: "field.max_length", params: { n: PASSWORD_MAX_LENGTH } };
  if (!value.trim()) return { key: "field.invalid" };
  return null;
}

export function checkDisplayName(value: string): Invalid | null {
  return checkText(value, { max: DISPLAY_NAME_MAX_LENGTH });
}

export function checkText(value: string, { max, required = true }: { max: number; required?: boolean }): Invalid | null {
  const text = value.trim();
  if (!text) return required ? { key: "field.required" } : null;
  if (text.length > max) return { key: "field.max_length", params: { n: max } };
  return null;
}

/** A whole number in [min, max]; "" when `optional` is allowed. */
export function checkWhole(value: string, { min, max, optional = false }: { min: number; max: number; optional?: boolean }): Invalid | null {
  const text = value.trim();
  if (!text) return optional ? null : { key: "field.required" };
  if (!/^\d+$/.test(text)) return { key: "field.number" };
  const n = Number(text);
  if (n < min) return { key: "field.min_value", params: { n: min } };
  if (n > max) return { key: "field.max_value", params: { n: max } };
  return null;
}

export function checkPostalCode(value: string): Invalid | null {
  if (!value.trim()) return { key: "field.required" };
  return /^\d{5}$/.test(value.trim()) ? null : { key: "field.postalCode" };
}

/** The first problem of each field; empty when the form may be sent. */
export function problems<F extends string>(checks: Record<F, Invalid | null>): Partial<Record<F, Invalid>> {
  const found: Partial<Record<F, Invalid>> = {};
  for (const [field, problem] of Object.entries(checks) as [F, Invalid | null][]) {
    if (problem) found[field] = problem;
  }
  return found;
}
