// Today's orders and sales of a store (its own calendar day), refreshed as orders move.
import { useEffect } from "preact/hooks";

import { api, ok } from "../api/http";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { Loader } from "../ui/feedback";

export function DaySalesPanel({ storeId, refresh }: { storeId: string; refresh: number }) {
  const t = useT();
  const sales = useLoad(
    () => ok(api.order.GET("/api/order/stores/{store_id}/sales", { params: { path: { store_id: storeId } } })),
    [storeId],
  );
  const { reload } = sales;
  useEffect(() => {
    if (refresh > 0) void reload();
  }, [refresh, reload]);
  return (
    <section aria-labelledby="today">
      <h2 id="today">{sales.data ? t("sales.title", { day: t.date(`${sales.data.day}T12:00:00+09:00`) }) : t("sales.today")}</h2>
      <Loader loaded={sales}>
        {(day) => (
          <dl class="stats" data-testid="sales">
            <div>
              <dt>{t("sales.amount")}</dt>
              <dd data-testid="sales-amount">{t.won(day.sales_amount)}</dd>
            </div>
            <div>
              <dt>{t("sales.placed")}</dt>
              <dd>{day.orders_placed}</dd>
            </div>
            <div>
              <dt>{t("sales.sold")}</dt>
              <dd data-testid="sales-sold">{day.orders_sold}</dd>
            </div>
            <div>
              <dt>{t("sales.awaiting")}</dt>
              <dd>{day.orders_awaiting}</dd>
            </div>
            <div>
              <dt>{t("sales.cancelled")}</dt>
              <dd>{day.orders_cancelled}</dd>
            </div>
          </dl>
        )}
      </Loader>
    </section>
  );
}
