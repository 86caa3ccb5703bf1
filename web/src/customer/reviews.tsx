// A store's reviews (customers and its owner read the same list), and the form to review a completed order.
import { useState } from "preact/hooks";

import { api, ok } from "../api/http";
import { fieldErrorsOf } from "../api/problem";
import type { PlacedOrder, StoreMenu } from "../api/types";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { ErrorMessage, Loader, Notice } from "../ui/feedback";
import { Submit, TextArea, onSubmit } from "../ui/forms";
import { Stars } from "../ui/stars";

const PAGE_SIZE = 10;

function itemNames(menu: StoreMenu | undefined): Map<string, string> {
  const names = new Map<string, string>();
  for (const item of [...(menu?.categories.flatMap((c) => c.items) ?? []), ...(menu?.uncategorized ?? [])]) {
    names.set(item.id, item.name);
  }
  return names;
}

export function StoreReviews({ storeId, menu, heading = true }: { storeId: string; menu: StoreMenu | undefined; heading?: boolean }) {
  const t = useT();
  const [offset, setOffset] = useState(0);
  const reviews = useLoad(
    () =>
      ok(
        api.store.GET("/api/store/stores/{store_id}/reviews", {
          params: { path: { store_id: storeId }, query: { limit: PAGE_SIZE, offset } },
        }),
      ),
    [storeId, offset],
  );
  const names = itemNames(menu);
  return (
    <section aria-labelledby={heading ? "reviews-title" : undefined} aria-label={heading ? undefined : t("review.title")}>
      {heading && <h2 id="reviews-title">{t("review.title")}</h2>}
      <Loader loaded={reviews}>
        {(page) => (
          <>
            <p class="meta">
              {page.rating.count > 0
                ? t("store.rating", { average: (page.rating.average ?? 0).toFixed(1), count: page.rating.count })
                : t("review.none")}
            </p>
            <ul class="cards">
              {page.items.map((review) => (
                <li key={review.id} class="card">
                  <p>
                    <Stars rating={review.rating} /> <span class="meta">{t.date(review.posted_at)}</span>
                  </p>
                  {review.text && <p>{review.text}</p>}
                  {review.menu_item_ids.length > 0 && (
                    <p class="meta">{review.menu_item_ids.map((id) => names.get(id) ?? t("review.removedDish")).join(", ")}</p>
                  )}
                </li>
              ))}
            </ul>
            {page.total > PAGE_SIZE && (
              <div class="buttons">
                <button type="button" class="button" disabled={offset === 0} onClick={() => setOffset(offset - PAGE_SIZE)}>
                  {t("common.previous")}
                </button>
                <button
                  type="button"
                  class="button"
                  disabled={offset + PAGE_SIZE >= page.total}
                  onClick={() => setOffset(offset + PAGE_SIZE)}
                >
                  {t("common.next")}
                </button>
              </div>
            )}
          </>
        )}
      </Loader>
    </section>
  );
}

/** Reviewing a completed order; once posted, it says thanks in its place. */
export function ReviewForm({ order }: { order: PlacedOrder }) {
  const t = useT();
  const [rating, setRating] = useState(0);
  const [text, setText] = useState("");
  const [dishes, setDishes] = useState<string[]>(order.lines.map((l) => l.menu_item_id));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [posted, setPosted] = useState(false);

  const submit = async () => {
    const problems: Record<string, string> = {};
    if (rating < 1) problems.rating = t("review.pickRating");
    if (text.length > 2000) problems.text = t("field.max_length", { n: 2000 });
    setInvalid(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await ok(
        api.store.POST("/api/store/stores/{store_id}/reviews", {
          params: { path: { store_id: order.store_id } },
          body: { order_id: order.order_id, rating, text: text.trim(), menu_item_ids: dishes },
        }),
      );
      setPosted(true);
    } catch (caught) {
      setError(caught);
      setInvalid(fieldErrorsOf(caught, t));
    } finally {
      setBusy(false);
    }
  };

  if (posted) return <Notice kind="success" live>{t("review.thanks")}</Notice>;
  return (
    <form class="form card" onSubmit={onSubmit(submit)} noValidate aria-labelledby="review-form-title">
      <h2 id="review-form-title">{t("review.write")}</h2>
      <fieldset class="choice" aria-describedby={invalid.rating ? "rating-error" : undefined}>
        <legend>{t("review.rating")}</legend>
        {[1, 2, 3, 4, 5].map((value) => (
          <label key={value} class="choice__option">
            <input type="radio" name="rating" value={value} checked={rating === value} onChange={() => setRating(value)} />
            {t("review.stars", { rating: value })}
          </label>
        ))}
        {invalid.rating && (
          <p class="field__error" id="rating-error">
            {invalid.rating}
          </p>
        )}
      </fieldset>
      <fieldset class="choice">
        <legend>{t("review.dishes")}</legend>
        {order.lines.map((line) => (
          <label key={line.menu_item_id} class="choice__option">
            <input
              type="checkbox"
              checked={dishes.includes(line.menu_item_id)}
              onChange={(event) =>
                setDishes(
                  event.currentTarget.checked ? [...dishes, line.menu_item_id] : dishes.filter((d) => d !== line.menu_item_id),
                )
              }
            />
            {line.name}
          </label>
        ))}
      </fieldset>
      <TextArea label={t("review.text")} value={text} onValue={setText} maxLength={2000} error={invalid.text} />
      <ErrorMessage error={error} />
      <Submit busy={busy} busyLabel={t("review.busy")}>
        {t("review.submit")}
      </Submit>
    </form>
  );
}
