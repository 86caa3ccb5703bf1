// Ask a store a question: the ai service answers from the store's reviews, quoting the closest one and
// naming the dishes it is about.
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { api, ok } from "../api/http";
import { session } from "../api/session";
import type { Answer } from "../api/types";
import { useT } from "../i18n";
import { useStore } from "../lib/store";
import { checkText } from "../lib/validation";
import { ErrorMessage } from "../ui/feedback";
import { Submit, TextField, onSubmit } from "../ui/forms";
import { Stars } from "../ui/stars";


function AnswerView({ answer }: { answer: Answer }) {
  const t = useT();
  const quoted = answer.matches.filter((m) => m.relevant);
  return (
    <div class="card" data-testid="answer" aria-live="polite">
      <p>{answer.answer}</p>
      {quoted.length > 0 && (
        <>
          <h3>{t("ask.quoted")}</h3>
          {quoted.map((match) => (
            <blockquote key={match.review_id} class="quote">
              <p>“{match.snippet}”</p>
              <Stars rating={match.rating} />
            </blockquote>
          ))}
        </>
      )}
      {answer.menu_items_mentioned.length > 0 && (
        <>
          <h3>{t("ask.dishes")}</h3>
          <ul>
            {answer.menu_items_mentioned.map((item) => (
              <li key={item.menu_item_id}>
                {item.name} · <span class="price">{t.won(item.price)}</span>
                {item.availability !== "available" && ` · ${t.dynamic(`availability.${item.availability}`, "menu.soldOut")}`}
              </li>
            ))}
          </ul>
        </>
      )}
      {!answer.grounded && <p class="meta">{t("ask.ungrounded")}</p>}
    </div>
  );
}

export function AskStore({ storeId }: { storeId: string }) {
  const t = useT();
  const current = useStore(session);
  const { url } = useLocation();
  const [question, setQuestion] = useState("");
  const [invalid, setInvalid] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [answer, setAnswer] = useState<Answer | null>(null);

  const ask = async () => {
    const problem = question.trim().length < 3 ? { key: "field.min_length" as const, params: { n: 3 } } : checkText(question, { max: 500 });
    setInvalid(problem ? t(problem.key, problem.params) : undefined);
    if (problem) return;
    setBusy(true);
    setError(undefined);
    try {
      setAnswer(
        await ok(
          api.ai.POST("/api/ai/stores/{store_id}/questions", {
            // The answer follows the question's own language; the app's language when the question does not tell.
            params: { path: { store_id: storeId }, header: { "Accept-Language": t.locale } },
            body: { question: question.trim(), top_k: 3 },
          }),
        ),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="ask-title">
      <h2 id="ask-title">{t("ask.title")}</h2>
      {current ? (
        <form class="form form--inline" onSubmit={onSubmit(ask)} noValidate>
          <TextField
            label={t("ask.question")}
            placeholder={t("ask.placeholder")}
            value={question}
            onValue={setQuestion}
            maxLength={500}
            error={invalid}
          />
          <Submit busy={busy} busyLabel={t("ask.busy")} class="button">
            {t("ask.submit")}
          </Submit>
        </form>
      ) : (
        <p>
          <a href={`/signin?next=${encodeURIComponent(url)}`}>{t("ask.signIn")}</a>
        </p>
      )}
      <ErrorMessage error={error} />
      {answer && <AnswerView answer={answer} />}
    </section>
  );
}
