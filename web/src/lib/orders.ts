// How an order's progress reads to a person: the steps of the saga in words, and why it was cancelled.
import type { OrderStatus, PlacedOrder } from "../api/types";
import type { MessageKey, Translator } from "../i18n";

export type TrackStep =
  | "PLACED"
  | "STOCK_RESERVED"
  | "PAID"
  | "AWAITING_STORE"
  | "ACCEPTED"
  | "PREPARING"
  | "READY"
  | "HANDED_OVER"
  | "COMPLETED";

export const TRACK_STEPS: readonly TrackStep[] = [
  "PLACED",
  "STOCK_RESERVED",
  "PAID",
  "AWAITING_STORE",
  "ACCEPTED",
  "PREPARING",
  "READY",
  "HANDED_OVER",
  "COMPLETED",
];

/** The step an order in `status` is at (payment is done once it waits for the store). */
export function currentStep(status: OrderStatus): TrackStep | null {
  switch (status) {
    case "PICKED_UP":
    case "DELIVERED":
      return "HANDED_OVER";
    case "CANCELLED":
      return null;
    default:
      return status;
  }
}

export type StepState = "done" | "current" | "todo";

export function stepState(step: TrackStep, status: OrderStatus): StepState {
  const current = currentStep(status);
  if (current === null) return "todo";
  const at = TRACK_STEPS.indexOf(current);
  const index = TRACK_STEPS.indexOf(step);
  if (index < at || (current === "COMPLETED" && index === at)) return "done";
  return index === at ? "current" : "todo";
}

/** The customer may still cancel: the store has not accepted yet (the service has the last word). */
export function isCancellable(status: OrderStatus): boolean {
  return status === "PLACED" || status === "STOCK_RESERVED" || status === "AWAITING_STORE";
}

export function isFinished(status: OrderStatus): boolean {
  return status === "COMPLETED" || status === "CANCELLED";
}

/** The status in a few words ("Accepted · about 15 minutes"). */
export function statusLine(order: Pick<PlacedOrder, "status" | "prep_minutes">, t: Translator): string {
  if (order.status === "ACCEPTED" && order.prep_minutes) {
    return t("status.ACCEPTED_with_minutes", { minutes: order.prep_minutes });
  }
  return t.dynamic(`status.${order.status}`, "status.unknown");
}

/** Why the order was cancelled, in words: the reason, and the store's own words or the card's answer. */
export function cancellation(order: Pick<PlacedOrder, "cancel_reason" | "cancel_detail">, t: Translator): string {
  const reason = t.dynamic(`cancel.${order.cancel_reason ?? "unknown"}`, "cancel.unknown");
  const detail = order.cancel_detail;
  if (!detail) return reason;
  if (order.cancel_reason === "payment_failed") {
    return `${reason} ${t.dynamic(`payment.${detail}`, "payment.payment_rejected")}`;
  }
  if (order.cancel_reason === "store_rejected") return `${reason} ${t("cancel.storeSaid", { reason: detail })}`;
  return reason;
}

export const STEP_LABELS: Record<TrackStep, MessageKey> = {
  PLACED: "step.PLACED",
  STOCK_RESERVED: "step.STOCK_RESERVED",
  PAID: "step.PAID",
  AWAITING_STORE: "step.AWAITING_STORE",
  ACCEPTED: "step.ACCEPTED",
  PREPARING: "step.PREPARING",
  READY: "step.READY",
  HANDED_OVER: "step.HANDED_OVER",
  COMPLETED: "step.COMPLETED",
};

/** A short reference for an order that people can read out ("#3F2A91"). */
export function orderNumber(orderId: string): string {
  return `#${orderId.replace(/-/g, "").slice(0, 6).toUpperCase()}`;
}
