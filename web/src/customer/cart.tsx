// The cart (one store at a time) and checkout.
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { api, ok } from "../api/http";
import type { Cart } from "../api/types";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { Empty, ErrorMessage, Loader, Notice } from "../ui/feedback";
import { Page, useRequireRole } from "../ui/shell";
import { putCartItem } from "./cart-api";
import { checkoutKey, placeOrder } from "./checkout";

function CartView({ cart, onCart }: { cart: Cart; onCart: (cart: Cart) => void }) {
  const t = useT();
  const { route } = useLocation();
  const [busy, setBusy] = useState(false);
  const [ordering, setOrdering] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const change = async (itemId: string, quantity: number, optionIds: string[]) => {
    setBusy(true);
    setError(undefined);
    try {
      onCart(await putCartItem(itemId, quantity, optionIds));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const order = async () => {
    setOrdering(true);
    setError(undefined);
    try {
      const placed = await placeOrder(checkoutKey(cart));
      route(`/orders/${placed.order_id}`);
    } catch (caught) {
      setError(caught);
      setOrdering(false);
    }
  };

  if (cart.lines.length === 0) {
    return (
      <Empty>
        {t("cart.empty")} <a href="/">{t("cart.browse")}</a>
      </Empty>
    );
  }
  return (
    <>
      <p>
        <a href={`/stores/${cart.store_id ?? ""}`}>{cart.store_name ?? t("cart.store")}</a>
      </p>
      {!cart.store_open && <Notice kind="warning">{t("cart.storeClosed")}</Notice>}
      <ul class="cards">
        {cart.lines.map((line) => (
          <li key={line.menu_item_id} class="card" data-testid="cart-line">
            <div class="card__title">
              <h3>{line.name ?? t("cart.unknownDish")}</h3>
              {line.line_total !== null && <span class="price">{t.won(line.line_total)}</span>}
            </div>
            {line.problem && (
              <p class="field__error">{t.dynamic(`problem.${line.problem}`, "cart.lineProblem")}</p>
            )}
            <div class="buttons">
              <button
                type="button"
                class="button button--small"
                disabled={busy || ordering}
                aria-label={t("menu.less", { name: line.name ?? "" })}
                onClick={() => void change(line.menu_item_id, line.quantity - 1, line.option_ids)}
              >
                −
              </button>
              <span>{t("menu.inCart", { count: line.quantity })}</span>
              <button
                type="button"
                class="button button--small"
                disabled={busy || ordering || line.quantity >= 100}
                aria-label={t("menu.more", { name: line.name ?? "" })}
                onClick={() => void change(line.menu_item_id, line.quantity + 1, line.option_ids)}
              >
                +
              </button>
              <button
                type="button"
                class="button button--small button--ghost"
                disabled={busy || ordering}
                onClick={() => void change(line.menu_item_id, 0, [])}
              >
                {t("cart.remove")}
              </button>
            </div>
          </li>
        ))}
      </ul>
      <p class="totals">
        <span>{t("cart.total")}</span>
        <span data-testid="cart-total">{t.won(cart.total_amount)}</span>
      </p>
      <ErrorMessage error={error} />
      <button
        type="button"
        class="button button--primary button--block"
        disabled={!cart.can_check_out || busy || ordering}
        aria-busy={ordering}
        onClick={() => void order()}
      >
        {ordering ? t("cart.ordering") : t("cart.order", { total: t.won(cart.total_amount) })}
      </button>
      <p class="meta">{t("cart.paymentNote")}</p>
    </>
  );
}

export function CartPage() {
  const t = useT();
  const allowed = useRequireRole("CUSTOMER");
  const cart = useLoad(async () => (allowed ? ok(api.order.GET("/api/order/cart")) : undefined), [allowed]);
  return (
    <Page title={t("cart.title")}>
      {allowed && <Loader loaded={cart}>{(found) => found && <CartView cart={found} onCart={cart.setData} />}</Loader>}
    </Page>
  );
}
