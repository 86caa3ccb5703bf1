// The live order tracker: each status of the saga appears as the notification service pushes it, with no
// reload. The order is read once over HTTP and again after every event about it (the event says that it
// changed; the order says everything about it, e.g. the prep minutes or the store's reason).
import { useEffect, useState } from "preact/hooks";

import { api, ok } from "../api/http";
import type { PlacedOrder } from "../api/types";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import {
  STEP_LABELS,
  TRACK_STEPS,
  cancellation,
  isCancellable,
  orderNumber,
  statusLine,
  stepState,
} from "../lib/orders";
import { onLiveEvent } from "../live/stream";
import { ErrorMessage, Loader, Notice } from "../ui/feedback";
import { Page, useRequireRole } from "../ui/shell";
import { ReviewForm } from "./reviews";

interface Seen {
  status: string;
  at: string;
}

function Progress({ order }: { order: PlacedOrder }) {
  const t = useT();
  if (order.status === "CANCELLED") return null;
  return (
    <ol class="steps" aria-label={t("tracker.steps")}>
      {TRACK_STEPS.map((step) => {
        const state = stepState(step, order.status);
        return (
          <li key={step} data-state={state} aria-current={state === "current" ? "step" : undefined}>
            {t(STEP_LABELS[step])}
            {step === "ACCEPTED" && order.prep_minutes && state !== "todo" && (
              <span class="meta"> · {t("tracker.prepMinutes", { minutes: order.prep_minutes })}</span>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function OrderView({ order, seen, onChange }: { order: PlacedOrder; seen: Seen[]; onChange: (order: PlacedOrder) => void }) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const cancel = async () => {
    if (!window.confirm(t("tracker.confirmCancel"))) return;
    setBusy(true);
    setError(undefined);
    try {
      onChange(await ok(api.order.POST("/api/order/orders/{order_id}/cancel", { params: { path: { order_id: order.order_id } } })));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p class="status-now" role="status" aria-live="polite" data-testid="order-status" data-status={order.status}>
        {statusLine(order, t)}
      </p>
      {order.status === "CANCELLED" && (
        <div class="notice notice--error" data-testid="cancel-reason">
          <p>{cancellation(order, t)}</p>
          {order.payment_status === "refunded" && <p>{t("tracker.refunded")}</p>}
          {order.payment_status === "refund_requested" && <p>{t("tracker.refunding")}</p>}
        </div>
      )}
      <Progress order={order} />
      {order.status === "AWAITING_STORE" && order.accept_by && (
        <p class="meta">{t("tracker.acceptBy", { time: t.time(order.accept_by) })}</p>
      )}
      <section aria-labelledby="order-lines">
        <h2 id="order-lines">{t("tracker.lines")}</h2>
        <ul class="cards">
          {order.lines.map((line) => (
            <li key={line.menu_item_id} class="card card__title">
              <span>
                {line.name} × {line.quantity}
              </span>
              <span class="price">{t.won(line.line_total)}</span>
            </li>
          ))}
        </ul>
        <p class="totals">
          <span>{t("cart.total")}</span>
          <span>{t.won(order.total_amount)}</span>
        </p>
        <p class="meta">
          {t("tracker.placedAt", { time: t.dateTime(order.placed_at) })} ·{" "}
          <a href={`/stores/${order.store_id}`}>{t("tracker.store")}</a>
        </p>
      </section>
      <ErrorMessage error={error} />
      {isCancellable(order.status) && (
        <button type="button" class="button button--danger" disabled={busy} onClick={() => void cancel()}>
          {t("tracker.cancel")}
        </button>
      )}
      {order.status === "COMPLETED" && <ReviewForm order={order} />}
      {seen.length > 0 && (
        <section aria-labelledby="live-log">
          <h2 id="live-log">{t("tracker.live")}</h2>
          <ul class="meta" data-testid="live-log">
            {seen.map((entry) => (
              <li key={`${entry.status}-${entry.at}`}>
                {t.time(entry.at)} · {t.dynamic(`status.${entry.status}`, "status.unknown")}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

export function TrackerPage({ id }: { id: string }) {
  const t = useT();
  const allowed = useRequireRole("CUSTOMER");
  const order = useLoad(
    async () => (allowed ? ok(api.order.GET("/api/order/orders/{order_id}", { params: { path: { order_id: id } } })) : undefined),
    [id, allowed],
  );
  const [seen, setSeen] = useState<Seen[]>([]);
  const { reload } = order;

  useEffect(() => {
    setSeen([]);
    return onLiveEvent((event) => {
      if (event.order_id !== id || !event.status) return;
      const status = event.status;
      setSeen((log) => (log.some((e) => e.status === status) ? log : [...log, { status, at: event.occurred_at ?? event.created_at }]));
      void reload();
    });
  }, [id, reload]);

  return (
    <Page title={t("tracker.title", { number: orderNumber(id) })}>
      {allowed && (
        <Loader loaded={order}>
          {(found) => (found ? <OrderView order={found} seen={seen} onChange={order.setData} /> : null)}
        </Loader>
      )}
      {order.data && order.error !== undefined && <Notice kind="warning">{t("tracker.stale")}</Notice>}
    </Page>
  );
}
