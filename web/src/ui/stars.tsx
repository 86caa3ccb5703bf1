// A rating of 1 to 5 as stars, read out as words.
import { useT } from "../i18n";

export function Stars({ rating }: { rating: number }) {
  const t = useT();
  return (
    <span class="meta" role="img" aria-label={t("review.stars", { rating })}>
      {"★".repeat(rating)}
      {"☆".repeat(5 - rating)}
    </span>
  );
}
