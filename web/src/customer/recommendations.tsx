// Dishes the ai service recommends to this customer, each with why.
import { api, ok } from "../api/http";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { Loader } from "../ui/feedback";

export function Recommendations() {
  const t = useT();
  const found = useLoad(() => ok(api.ai.GET("/api/ai/recommendations", { params: { query: { limit: 6 } } })), []);
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
                      {dish.store_name ?? ""} · {t.dynamic(`recommend.${dish.basis}`, "recommend.popular")}
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
