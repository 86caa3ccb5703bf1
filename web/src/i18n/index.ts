// Every text the app shows comes from a catalogue: Korean by default, English on request. Prices are
// won, dates and times are formatted the way the chosen language writes them.
import { createStore, useStore } from "../lib/store";
import { en } from "./en";
import { ko, type MessageKey } from "./ko";

export type Locale = "ko" | "en";
export type { MessageKey };
export type Params = Record<string, string | number>;

const catalogues: Record<Locale, Record<MessageKey, string>> = { ko, en };
const STORAGE_KEY = "matjip.locale";

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "ko" || saved === "en") return saved;
  } catch {
    // storage may be unavailable (private mode); Korean is the default anyway
  }
  return "ko";
}

export const locale = createStore<Locale>(initialLocale());

locale.subscribe((value) => {
  document.documentElement.lang = value;
  try {
    localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // the choice then lasts until the page is closed
  }
});

/** Keys that were asked for but are in no catalogue: the browser tests read this (never empty in a healthy app). */
export const missingKeys = new Set<string>();

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(ko, key);
}

export function translate(current: Locale, key: MessageKey, params?: Params): string {
  const template = catalogues[current][key];
  if (template === undefined) {
    missingKeys.add(`${current}:${key}`);
    return `⟦${key}⟧`;
  }
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) {
      missingKeys.add(`${current}:${key}{${name}}`);
      return whole;
    }
    return typeof value === "number" ? formatNumber(current, value) : value;
  });
}

/** A key built at run time (a status, a problem code): translated when known, else `fallback`. */
export function translateDynamic(current: Locale, key: string, fallback: MessageKey, params?: Params): string {
  return translate(current, isMessageKey(key) ? key : fallback, params);
}

export function t(key: MessageKey, params?: Params): string {
  return translate(locale.get(), key, params);
}

export interface Translator {
  (key: MessageKey, params?: Params): string;
  locale: Locale;
  dynamic(key: string, fallback: MessageKey, params?: Params): string;
  won(amount: number): string;
  dateTime(iso: string | Date): string;
  time(iso: string | Date): string;
  date(iso: string | Date): string;
  weekday(day: number): string;
}

export function translator(current: Locale): Translator {
  const tr = ((key: MessageKey, params?: Params) => translate(current, key, params)) as Translator;
  tr.locale = current;
  tr.dynamic = (key, fallback, params) => translateDynamic(current, key, fallback, params);
  tr.won = (amount) => formatWon(current, amount);
  tr.dateTime = (iso) => formatDateTime(current, iso);
  tr.time = (iso) => formatTime(current, iso);
  tr.date = (iso) => formatDate(current, iso);
  tr.weekday = (day) => weekdayName(current, day);
  return tr;
}

/** The translator of the current language; the component re-renders when the language changes. */
export function useT(): Translator {
  return translator(useStore(locale));
}

const tags: Record<Locale, string> = { ko: "ko-KR", en: "en-US" };

export function formatNumber(current: Locale, value: number): string {
  return new Intl.NumberFormat(tags[current]).format(value);
}

/** Won are whole numbers: 12,000원 in Korean, ₩12,000 in English. */
export function formatWon(current: Locale, amount: number): string {
  if (current === "ko") return `${formatNumber(current, amount)}원`;
  return new Intl.NumberFormat(tags[current], { style: "currency", currency: "KRW" }).format(amount);
}

// Times are shown in Korea's zone: stores and their customers are there, wherever the browser is.
const zone = "Asia/Seoul";

export function formatDateTime(current: Locale, iso: string | Date): string {
  return new Intl.DateTimeFormat(tags[current], { dateStyle: "medium", timeStyle: "short", timeZone: zone }).format(
    new Date(iso),
  );
}

export function formatTime(current: Locale, iso: string | Date): string {
  return new Intl.DateTimeFormat(tags[current], { timeStyle: "short", timeZone: zone }).format(new Date(iso));
}

export function formatDate(current: Locale, iso: string | Date): string {
  return new Intl.DateTimeFormat(tags[current], { dateStyle: "long", timeZone: zone }).format(new Date(iso));
}

/** 0 = Monday ... 6 = Sunday, as the store service numbers them. */
export function weekdayName(current: Locale, day: number): string {
  // 2024-01-01 was a Monday.
  const monday = Date.UTC(2024, 0, 1, 12);
  return new Intl.DateTimeFormat(tags[current], { weekday: "long", timeZone: "UTC" }).format(
    new Date(monday + day * 86_400_000),
  );
}
