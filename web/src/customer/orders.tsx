// The customer's orders, newest first; live statuses update the list without a reload.
import { useEffect, useState } from "preact/hooks";

import { api, ok } from "../api/http";
import type { PlacedOrder } from "../api/types";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { orderNumber, statusLine } from "../lib/orders";
import { onLiveEvent } from "../live/stream";
import { Empty, ErrorMessage, Loader } from "../ui/feedback";
import { Page, useRequireRole } from "../ui/shell";

const PAGE_SIZE = 20;

export function OrderCard({ order }: { order: PlacedOrder }) {
  const t = useT();
  const cancelled = order.status === "CANCELLED";
  return (
    <li>
      <a class="card card--link" href={`/orders/${order.order_id}`}>
        <div class="card__title">
          <h3>{orderNumber(order.order_id)}</h3>
          <span class={cancelled ? "badge badge--cancelled" : "badge"}>{statusLine(order, t)}</span>
        </div>
        <p class="meta">
          {order.lines.map((l) => `${l.name} × ${l.quantity}`).join(", ")} · <span class="price">{t.won(order.total_amount)}</span>
        </p>
        <p class="meta">{t.dateTime(order.placed_at)}</p>
      </a>
    </li>
  );
}

export function OrdersPage() {
  const t = useT();
  const allowed = useRequireRole("CUSTOMER");
  const [older, setOlder] = useState<PlacedOrder[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const first = useLoad(
    async () => (allowed ? ok(api.order.GET("/api/order/orders", { params: { query: { limit: PAGE_SIZE } } })) : undefined),
    [allowed],
  );

  useEffect(() => {
    setCursor(first.data?.next_cursor ?? null);
    setOlder([]);
  }, [first.data]);

  const { reload } = first;
  useEffect(() => onLiveEvent(() => void reload()), [reload]);

  const more = async () => {
    if (!cursor) return;
    setMoreError(undefined);
    try {
      const page = await ok(api.order.GET("/api/order/orders", { params: { query: { limit: PAGE_SIZE, cursor } } }));
      setOlder([...older, ...page.items]);
      setCursor(page.next_cursor);
    } catch (caught) {
      setMoreError(caught);
    }
  };

  return (
    <Page title={t("orders.title")}>
      {allowed && (
        <Loader loaded={first}>
          {(page) =>
            !page || page.items.length === 0 ? (
              <Empty>
                {t("orders.none")} <a href="/">{t("cart.browse")}</a>
              </Empty>
            ) : (
              <>
                <ul class="cards">
                  {[...page.items, ...older].map((order) => (
                    <OrderCard key={order.order_id} order={order} />
                  ))}
                </ul>
                <ErrorMessage error={moreError} />
                {cursor && (
                  <p>
                    <button type="button" class="button button--block" onClick={() => void more()}>
                      {t("common.more")}
                    </button>
                  </p>
                )}
              </>
            )
          }
        </Loader>
      )}
    </Page>
  );
}
