// The owner's start: their stores, and opening a new one.
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { api, ok } from "../api/http";
import { session } from "../api/session";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { useStore } from "../lib/store";
import { Empty, Loader } from "../ui/feedback";
import { Page, useRequireRole } from "../ui/shell";
import { NEW_STORE, StoreForm, storeBody } from "./store-form";

// New stores open every day from 11:00 to 22:00 until the owner sets their own hours.
const DEFAULT_HOURS = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opens: "11:00", closes: "22:00" }));

export function OwnerHome() {
  const t = useT();
  const allowed = useRequireRole("OWNER", "ADMIN");
  const current = useStore(session);
  const { route } = useLocation();
  const [opening, setOpening] = useState(false);
  const stores = useLoad(
    async () =>
      allowed && current
        ? ok(api.store.GET("/api/store/stores", { params: { query: { owner_id: current.userId, limit: 100 } } }))
        : undefined,
    [allowed, current?.userId],
  );

  return (
    <Page title={t("owner.title")} wide>
      {allowed && (
        <>
          <Loader loaded={stores}>
            {(page) =>
              !page || page.items.length === 0 ? (
                <Empty>{t("owner.noStores")}</Empty>
              ) : (
                <ul class="cards cards--grid">
                  {page.items.map((store) => (
                    <li key={store.id}>
                      <a class="card card--link" href={`/owner/stores/${store.id}`}>
                        <div class="card__title">
                          <h3>{store.name}</h3>
                          <span class={store.open_now ? "badge badge--open" : "badge badge--closed"}>
                            {t(store.open_now ? "store.openNow" : "store.closedNow")}
                          </span>
                        </div>
                        <p class="meta">{store.address}</p>
                      </a>
                    </li>
                  ))}
                </ul>
              )
            }
          </Loader>
          <h2>{t("owner.open")}</h2>
          {opening ? (
            <StoreForm
              initial={NEW_STORE}
              submitLabel={t("owner.openSubmit")}
              onSave={async (draft) => {
                const created = await ok(
                  api.store.POST("/api/store/stores", { body: { ...storeBody(draft), opening_hours: DEFAULT_HOURS } }),
                );
                route(`/owner/stores/${created.id}/settings`);
              }}
            />
          ) : (
            <button type="button" class="button button--primary" onClick={() => setOpening(true)}>
              {t("owner.open")}
            </button>
          )}
        </>
      )}
    </Page>
  );
}
