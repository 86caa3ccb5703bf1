// Dishes the ai service recommends to this customer, each with why.
import { api, ok } from "../api/http";
import type { Recommendation } from "../api/types";
import { useT, type MessageKey } from "../i18n";
import { useLoad } from "../lib/load";
import { Loader } from "../ui/feedback";

// Why a dish was chosen; every basis ai can give has its words (a new one fails the type check here).
const BASIS: Record<Recommendation["basis"], MessageKey> = {
  co_occurrence: "recommend.co_occurrence",
  reviews: "recommend.reviews",
  similar_name: "recommend.similar_name",
  popular: "recommend.popular",
};

export function Recommendations() {
  const t = useT();
  // Each reason in the app's language (ai writes them in Korean or English).
  const found = useLoad(
    () => ok(api.ai.GET("/api/ai/recommendations", { params: { query: { limit: 6, language: t.locale } } })),
    [t.locale],
  );
  return (
    <section aria-labelledby="recommended">
      <h2 id="recommended">{t("recommend.title")}</h2>
      <Loader loaded={found}>
        {(result) =>
          result.recommendations.length === 0 ? (
            <p class="empty">{t("recommend.none")}</p>
          ) : (
            <ul class="cards cards--grid" data-testid="recommendations">
              {result.recommendations.map((dish) => (
                <li key={dish.menu_item_id}>
                  <a class="card card--link" href={`/stores/${dish.store_id}`}>
                    <div class="card__title">
                      <h3>{dish.name}</h3>
                      <span class="price">{t.won(dish.price)}</span>
                    </div>
                    <p class="meta">
                      {dish.store_name ?? ""} · {t(BASIS[dish.basis])}
                    </p>
                  </a>
                </li>
              ))}
            </ul>
          )
        }
      </Loader>
    </section>
  );
}
