import { describe, expect, it } from "vitest";

import { en } from "./en";
import { formatWon, translate, translateDynamic, weekdayName } from "./index";
import { ko } from "./ko";

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "").sort();
}

describe("the catalogues", () => {
  it("have the same keys", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ko).sort());
  });

  it("fill the same placeholders in both languages", () => {
    const differing = Object.keys(ko).filter(
      (key) => placeholders(ko[key as keyof typeof ko]).join() !== placeholders(en[key as keyof typeof en]).join(),
    );
    expect(differing).toEqual([]);
  });

  it("have no empty text", () => {
    expect(Object.entries(ko).filter(([, text]) => !text.trim())).toEqual([]);
    expect(Object.entries(en).filter(([, text]) => !text.trim())).toEqual([]);
  });

  it("translate every order status, cancel reason, payment reason and inbox status", () => {
    const statuses = ["PLACED", "STOCK_RESERVED", "AWAITING_STORE", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED", "COMPLETED", "CANCELLED"];
    const reasons = ["customer_cancelled", "payment_failed", "store_rejected", "store_timeout", "sold_out", "store_closed", "unknown_item"];
    const payments = ["card_declined", "limit_exceeded", "invalid_card", "risk_rejected", "payment_rejected", "gateway_unavailable"];
    const inbox = ["PENDING", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED", "REJECTED", "EXPIRED", "WITHDRAWN"];
    const keys = [
      ...statuses.map((s) => `status.${s}`),
      ...reasons.map((r) => `cancel.${r}`),
      ...payments.map((p) => `payment.${p}`),
      ...inbox.map((s) => `inboxStatus.${s}`),
    ];
    expect(keys.filter((key) => !(key in ko))).toEqual([]);
  });
});

describe("translate", () => {
  it("fills placeholders, with numbers in the language's own digits grouping", () => {
    expect(translate("ko", "home.count", { count: 1200 })).toBe("가게 1,200곳");
    expect(translate("en", "tracker.title", { number: "#ABC123" })).toBe("Order #ABC123");
  });

  it("marks a key it does not know instead of showing nothing", () => {
    expect(translateDynamic("ko", "status.NOT_A_STATUS", "status.unknown")).toBe(ko["status.unknown"]);
  });
});

describe("formats", () => {
  it("writes won the Korean way in Korean and with the sign in English", () => {
    expect(formatWon("ko", 12000)).toBe("12,000원");
    expect(formatWon("en", 12000)).toBe("₩12,000");
  });

  it("names the weekdays Monday first, as the store service numbers them", () => {
    expect(weekdayName("ko", 0)).toBe("월요일");
    expect(weekdayName("en", 6)).toBe("Sunday");
  });
});
