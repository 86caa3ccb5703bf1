// One store in the owner console: its live order inbox (with today's sales), menu, settings and reviews.
import { useLocation } from "preact-iso";

import { api, ok } from "../api/http";
import type { StoreOut } from "../api/types";
import { StoreReviews } from "../customer/reviews";
import { useT, type MessageKey } from "../i18n";
import { useLoad } from "../lib/load";
import { Loader } from "../ui/feedback";
import { Page, useRequireRole } from "../ui/shell";
import { Inbox } from "./inbox";
import { MenuEditor } from "./menu";
import { StoreSettings } from "./settings";

type Tab = "orders" | "menu" | "settings" | "reviews";
const TABS: { tab: Tab; label: MessageKey }[] = [
  { tab: "orders", label: "owner.tabOrders" },
  { tab: "menu", label: "owner.tabMenu" },
  { tab: "settings", label: "owner.tabSettings" },
  { tab: "reviews", label: "owner.tabReviews" },
];

function tabOf(path: string, id: string): Tab {
  const rest = path.slice(`/owner/stores/${id}`.length).replace(/^\/|\/$/g, "");
  return TABS.some((t) => t.tab === rest) ? (rest as Tab) : "orders";
}

function Body({ store, tab, onStore }: { store: StoreOut; tab: Tab; onStore: (store: StoreOut) => void }) {
  switch (tab) {
    case "menu":
      return <MenuEditor storeId={store.id} />;
    case "settings":
      return <StoreSettings store={store} onStore={onStore} />;
    case "reviews":
      return <StoreReviews storeId={store.id} menu={undefined} heading={false} />;
    default:
      return <Inbox store={store} />;
  }
}

export function OwnerStore({ id }: { id: string }) {
  const t = useT();
  const allowed = useRequireRole("OWNER", "ADMIN");
  const { path } = useLocation();
  const tab = tabOf(path, id);
  const store = useLoad(
    async () => (allowed ? ok(api.store.GET("/api/store/stores/{store_id}", { params: { path: { store_id: id } } })) : undefined),
    [id, allowed],
  );
  return (
    <Loader loaded={store}>
      {(found) =>
        found ? (
          <Page title={found.name} wide>
            <nav aria-label={t("owner.sections")}>
              <ul class="tabs">
                {TABS.map((item) => (
                  <li key={item.tab}>
                    <a
                      href={item.tab === "orders" ? `/owner/stores/${id}` : `/owner/stores/${id}/${item.tab}`}
                      aria-current={tab === item.tab ? "page" : undefined}
                    >
                      {t(item.label)}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <Body store={found} tab={tab} onStore={store.setData} />
          </Page>
        ) : null
      }
    </Loader>
  );
}
