// The customer's start: stores to order from (open now, near me, by name) and dishes recommended to them.
import { useState } from "preact/hooks";

import { api, ok } from "../api/http";
import { session } from "../api/session";
import type { StoreOut } from "../api/types";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { useStore } from "../lib/store";
import { Empty, ErrorMessage, Loader, Notice } from "../ui/feedback";
import { Page } from "../ui/shell";
import { Recommendations } from "./recommendations";
import { findMe, type Place } from "./where";

const PAGE_SIZE = 20;

export function StoreCard({ store }: { store: StoreOut }) {
  const t = useT();
  return (
    <li>
      <a class="card card--link" href={`/stores/${store.id}`}>
        <div class="card__title">
          <h3>{store.name}</h3>
          <span class={store.open_now ? "badge badge--open" : "badge badge--closed"}>
            {t(store.open_now ? "store.openNow" : "store.closedNow")}
          </span>
        </div>
        {store.description && <p class="meta">{store.description}</p>}
        <p class="meta">
          {store.rating.count > 0
            ? t("store.rating", { average: (store.rating.average ?? 0).toFixed(1), count: store.rating.count })
            : t("store.noRating")}
          {store.address && ` · ${store.address}`}
        </p>
      </a>
    </li>
  );
}

export function HomePage() {
  const t = useT();
  const current = useStore(session);
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState("");
  const [openNow, setOpenNow] = useState(false);
  const [place, setPlace] = useState<Place | null>(null);
  const [locating, setLocating] = useState(false);
  const [placeError, setPlaceError] = useState<unknown>(undefined);
  const [offset, setOffset] = useState(0);

  const stores = useLoad(
    () =>
      ok(
        api.store.GET("/api/store/stores", {
          params: {
            query: {
              limit: PAGE_SIZE,
              offset,
              open_now: openNow || undefined,
              q: search || undefined,
              lat: place?.lat,
              lng: place?.lng,
            },
          },
        }),
      ),
    [offset, openNow, search, place?.lat, place?.lng],
  );

  const nearMe = async () => {
    setOffset(0);
    if (place) {
      setPlace(null);
      return;
    }
    setLocating(true);
    setPlaceError(undefined);
    try {
      setPlace(await findMe(current !== null && current.role === "CUSTOMER"));
    } catch (error) {
      setPlaceError(error);
    } finally {
      setLocating(false);
    }
  };

  return (
    <Page title={t("home.title")}>
      {current?.role === "CUSTOMER" && <Recommendations />}
      <h2>{t("home.stores")}</h2>
      <form
        class="toolbar"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setOffset(0);
          setSearch(query.trim());
        }}
      >
        <label class="visually-hidden" for="store-search">
          {t("home.searchLabel")}
        </label>
        <input
          id="store-search"
          type="search"
          maxLength={100}
          placeholder={t("home.searchPlaceholder")}
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
        <button type="submit" class="button">
          {t("home.search")}
        </button>
        <button type="button" class="button" aria-pressed={openNow} onClick={() => {
            setOffset(0);
            setOpenNow(!openNow);
          }}>
          {t("home.openNow")}
        </button>
        <button type="button" class="button" aria-pressed={place !== null} disabled={locating} onClick={nearMe}>
          {locating ? t("home.locating") : t("home.nearMe")}
        </button>
      </form>
      {place && (
        <Notice live>
          {place.source === "device" ? t("home.nearDevice") : t("home.nearAddress", { label: place.label ?? "" })}
        </Notice>
      )}
      {placeError !== undefined && (
        <div class="notice notice--warning" role="alert">
          {placeError instanceof Error && placeError.message === "no-location" ? t("home.noLocation") : t("home.locationFailed")}
        </div>
      )}
      <Loader loaded={stores}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>{t("home.noStores")}</Empty>
          ) : (
            <>
              <p class="meta" role="status">
                {t("home.count", { count: page.total })}
              </p>
              <ul class="cards cards--grid" aria-busy={stores.loading}>
                {page.items.map((store) => (
                  <StoreCard key={store.id} store={store} />
                ))}
              </ul>
              {page.total > PAGE_SIZE && (
                <nav class="buttons" aria-label={t("common.pages")}>
                  <button type="button" class="button" disabled={offset === 0} onClick={() => setOffset(Math.max(offset - PAGE_SIZE, 0))}>
                    {t("common.previous")}
                  </button>
                  <span class="meta">
                    {t("common.pageOf", { page: offset / PAGE_SIZE + 1, pages: Math.ceil(page.total / PAGE_SIZE) })}
                  </span>
                  <button type="button" class="button" disabled={offset + PAGE_SIZE >= page.total} onClick={() => setOffset(offset + PAGE_SIZE)}>
                    {t("common.next")}
                  </button>
                </nav>
              )}
            </>
          )
        }
      </Loader>
      {stores.data !== undefined && <ErrorMessage error={stores.error} />}
    </Page>
  );
}
