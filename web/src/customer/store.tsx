// A store as the customer sees it: whether it takes orders now, its menu with prices and sold-out dishes,
// its reviews, and a question to ask about it.
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { api, ok } from "../api/http";
import { ApiError } from "../api/problem";
import { session } from "../api/session";
import type { Cart, MenuItem, StoreMenu, StoreOut } from "../api/types";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { useStore } from "../lib/store";
import { ErrorMessage, Loader, Notice } from "../ui/feedback";
import { Page } from "../ui/shell";
import { AskStore } from "./ask";
import { putCartItem } from "./cart-api";
import { HoursList } from "./hours";
import { StoreReviews } from "./reviews";

interface CartChange {
  itemId: string;
  quantity: number;
  optionIds: string[];
}

function MenuRow({
  item,
  orderable,
  inCart,
  busy,
  onChange,
}: {
  item: MenuItem;
  orderable: boolean;
  inCart: { quantity: number; option_ids: string[] } | undefined;
  busy: boolean;
  onChange: (change: CartChange) => void;
}) {
  const t = useT();
  const [options, setOptions] = useState<string[]>(inCart?.option_ids ?? []);
  const canOrder = orderable && !item.sold_out;
  const toggle = (optionId: string, on: boolean) =>
    setOptions(on ? [...options, optionId] : options.filter((id) => id !== optionId));
  return (
    <li class={item.sold_out ? "card menu-item menu-item--soldout" : "card menu-item"} data-testid="menu-item">
      <div>
        <h3>{item.name}</h3>
        {item.description && <p class="meta">{item.description}</p>}
        <p>
          <span class="price">{t.won(item.price)}</span>{" "}
          {item.sold_out && <span class="badge badge--soldout">{t("menu.soldOut")}</span>}
          {!item.sold_out && item.stock_quantity !== null && item.stock_quantity <= 5 && (
            <span class="badge">{t("menu.fewLeft", { count: item.stock_quantity })}</span>
          )}
        </p>
      </div>
      <div class="buttons">
        {inCart ? (
          <>
            <button
              type="button"
              class="button button--small"
              disabled={busy}
              aria-label={t("menu.less", { name: item.name })}
              onClick={() => onChange({ itemId: item.id, quantity: inCart.quantity - 1, optionIds: options })}
            >
              −
            </button>
            <span aria-live="polite">{t("menu.inCart", { count: inCart.quantity })}</span>
            <button
              type="button"
              class="button button--small"
              disabled={busy || !canOrder}
              aria-label={t("menu.more", { name: item.name })}
              onClick={() => onChange({ itemId: item.id, quantity: inCart.quantity + 1, optionIds: options })}
            >
              +
            </button>
          </>
        ) : (
          <button
            type="button"
            class="button button--primary button--small"
            disabled={busy || !canOrder}
            onClick={() => onChange({ itemId: item.id, quantity: 1, optionIds: options })}
          >
            {item.sold_out ? t("menu.soldOut") : t("menu.add", { name: item.name })}
          </button>
        )}
      </div>
      {item.options.length > 0 && canOrder && (
        <fieldset class="options choice">
          <legend class="visually-hidden">{t("menu.optionsOf", { name: item.name })}</legend>
          {item.options.map((option) => (
            <label key={option.option_id} class="choice__option">
              <input
                type="checkbox"
                checked={options.includes(option.option_id)}
                onChange={(event) => toggle(option.option_id, event.currentTarget.checked)}
              />
              {option.name} (+{t.won(option.extra_price)})
            </label>
          ))}
        </fieldset>
      )}
    </li>
  );
}

function Menu({ menu, store, cart, onCart }: { menu: StoreMenu; store: StoreOut; cart: Cart | undefined; onCart: (cart: Cart) => void }) {
  const t = useT();
  const current = useStore(session);
  const { route, url } = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [switching, setSwitching] = useState<CartChange | null>(null);
  const lines = new Map((cart?.store_id === store.id ? cart.lines : []).map((line) => [line.menu_item_id, line]));

  const change = async (wanted: CartChange, replace = false) => {
    if (!current) {
      route(`/signin?next=${encodeURIComponent(url)}`);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onCart(await putCartItem(wanted.itemId, wanted.quantity, wanted.optionIds, replace));
      setSwitching(null);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "cart_store_mismatch") setSwitching(wanted);
      else setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const sections = [
    ...menu.categories.filter((c) => c.items.length > 0).map((c) => ({ key: c.id, name: c.name, items: c.items })),
    ...(menu.uncategorized.length > 0 ? [{ key: "other", name: t("menu.other"), items: menu.uncategorized }] : []),
  ];
  const orderable = store.open_now && current?.role !== "OWNER" && current?.role !== "ADMIN";
  return (
    <section aria-labelledby="menu-title">
      <h2 id="menu-title">{t("menu.title")}</h2>
      {switching && (
        <div class="notice notice--warning" role="alertdialog" aria-labelledby="switch-title">
          <p id="switch-title">{t("problem.cart_store_mismatch")}</p>
          <p>{t("menu.switchQuestion", { store: cart?.store_name ?? "" })}</p>
          <div class="buttons">
            <button type="button" class="button button--primary" disabled={busy} onClick={() => void change(switching, true)}>
              {t("menu.switchYes")}
            </button>
            <button type="button" class="button" onClick={() => setSwitching(null)}>
              {t("menu.switchNo")}
            </button>
          </div>
        </div>
      )}
      <ErrorMessage error={error} />
      {sections.length === 0 && <p class="empty">{t("menu.empty")}</p>}
      {sections.map((section) => (
        <section key={section.key} aria-label={section.name}>
          <h3 class="meta">{section.name}</h3>
          <ul class="cards">
            {section.items.map((item) => (
              <MenuRow
                key={item.id}
                item={item}
                orderable={orderable}
                inCart={lines.get(item.id)}
                busy={busy}
                onChange={(wanted) => void change(wanted)}
              />
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}

export function StorePage({ id }: { id: string }) {
  const t = useT();
  const current = useStore(session);
  const store = useLoad(() => ok(api.store.GET("/api/store/stores/{store_id}", { params: { path: { store_id: id } } })), [id]);
  const menu = useLoad(
    () => ok(api.store.GET("/api/store/stores/{store_id}/menu", { params: { path: { store_id: id } } })),
    [id],
  );
  const isCustomer = current?.role === "CUSTOMER";
  const cart = useLoad(async () => (isCustomer ? ok(api.order.GET("/api/order/cart")) : undefined), [isCustomer]);

  return (
    <Loader loaded={store}>
      {(found) => (
        <Page title={found.name}>
          <p>
            <span class={found.open_now ? "badge badge--open" : "badge badge--closed"}>
              {t(found.open_now ? "store.openNow" : "store.closedNow")}
            </span>{" "}
            {found.rating.count > 0 && (
              <span class="meta">
                {t("store.rating", { average: (found.rating.average ?? 0).toFixed(1), count: found.rating.count })}
              </span>
            )}
          </p>
          {found.description && <p>{found.description}</p>}
          {found.address && <p class="meta">{found.address}</p>}
          {!found.open_now && (
            <Notice kind="warning">
              <p>{found.accepting_orders ? t("store.closedHours") : t("store.paused")}</p>
            </Notice>
          )}
          <details>
            <summary>{t("store.hours")}</summary>
            <HoursList hours={found.opening_hours} />
          </details>
          {cart.data && cart.data.store_id === found.id && cart.data.lines.length > 0 && (
            <p>
              <a class="button button--primary button--block" href="/cart">
                {t("store.toCart", { count: cart.data.lines.reduce((n, l) => n + l.quantity, 0), total: t.won(cart.data.total_amount) })}
              </a>
            </p>
          )}
          <Loader loaded={menu}>
            {(found_menu) => <Menu menu={found_menu} store={found} cart={cart.data} onCart={cart.setData} />}
          </Loader>
          <AskStore storeId={found.id} />
          <StoreReviews storeId={found.id} menu={menu.data} />
        </Page>
      )}
    </Loader>
  );
}
