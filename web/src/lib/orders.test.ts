import { describe, expect, it } from "vitest";

import { translator } from "../i18n";
import { TRACK_STEPS, cancellation, isCancellable, statusLine, stepState } from "./orders";

const ko = translator("ko");
const en = translator("en");

describe("the tracker's steps", () => {
  it("count payment as done once the order waits for the store", () => {
    const states = TRACK_STEPS.map((step) => stepState(step, "AWAITING_STORE"));
    expect(states).toEqual(["done", "done", "done", "current", "todo", "todo", "todo", "todo", "todo"]);
  });

  it("mark everything done when completed, and picked up or delivered as one step", () => {
    expect(TRACK_STEPS.every((step) => stepState(step, "COMPLETED") === "done")).toBe(true);
    expect(stepState("HANDED_OVER", "DELIVERED")).toBe("current");
    expect(stepState("HANDED_OVER", "PICKED_UP")).toBe("current");
  });

  it("let the customer cancel only before the store accepts", () => {
    expect(["PLACED", "STOCK_RESERVED", "AWAITING_STORE"].every((s) => isCancellable(s as never))).toBe(true);
    expect(["ACCEPTED", "PREPARING", "READY", "COMPLETED", "CANCELLED"].some((s) => isCancellable(s as never))).toBe(false);
  });
});

describe("words for an order", () => {
  it("give the prep minutes with the acceptance", () => {
    expect(statusLine({ status: "ACCEPTED", prep_minutes: 15 }, en)).toBe("The store accepted your order · about 15 min");
  });

  it("say why a payment failed, in words", () => {
    expect(cancellation({ cancel_reason: "payment_failed", cancel_detail: "card_declined" }, ko)).toBe(
      "결제가 되지 않아 주문이 취소됐어요. 카드사에서 결제를 거절했어요. 다른 카드로 다시 주문해 주세요.",
    );
  });

  it("quote the store's own reason for a rejection", () => {
    expect(cancellation({ cancel_reason: "store_rejected", cancel_detail: "재료 소진" }, en)).toBe(
      "The store could not take your order. The store said: \u201c재료 소진\u201d",
    );
  });
});
