// A store's settings: its details, delivery area and switches, and its opening hours.
import { useState } from "preact/hooks";

import { api, ok } from "../api/http";
import type { OpeningWindow, StoreOut } from "../api/types";
import { useT } from "../i18n";
import { ErrorMessage, Notice } from "../ui/feedback";
import { Submit, onSubmit } from "../ui/forms";
import { StoreForm, draftOf, storeBody } from "./store-form";

interface WindowDraft {
  key: number;
  weekday: number;
  opens: string;
  closes: string;
}

let nextKey = 0;

function drafts(hours: OpeningWindow[]): WindowDraft[] {
  return [...hours]
    .sort((a, b) => a.weekday - b.weekday || a.opens.localeCompare(b.opens))
    .map((w) => ({ key: nextKey++, weekday: w.weekday, opens: w.opens.slice(0, 5), closes: w.closes.slice(0, 5) }));
}

function HoursEditor({ store, onStore }: { store: StoreOut; onStore: (store: StoreOut) => void }) {
  const t = useT();
  const [windows, setWindows] = useState(() => drafts(store.opening_hours));
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<string | undefined>(undefined);

  const change = (key: number, patch: Partial<WindowDraft>) =>
    setWindows(windows.map((w) => (w.key === key ? { ...w, ...patch } : w)));

  const save = async () => {
    const starts = windows.map((w) => `${w.weekday}-${w.opens}`);
    const problem = windows.some((w) => !/^\d\d:\d\d$/.test(w.opens) || !/^\d\d:\d\d$/.test(w.closes))
      ? t("hours.timeFormat")
      : new Set(starts).size !== starts.length
        ? t("hours.duplicate")
        : undefined;
    setInvalid(problem);
    setSaved(false);
    if (problem) return;
    setBusy(true);
    setError(undefined);
    try {
      const updated = await ok(
        api.store.PUT("/api/store/stores/{store_id}/opening-hours", {
          params: { path: { store_id: store.id } },
          body: { opening_hours: windows.map(({ weekday, opens, closes }) => ({ weekday, opens, closes })) },
        }),
      );
      onStore(updated);
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={onSubmit(save)} noValidate aria-labelledby="hours-title">
      <h2 id="hours-title">{t("store.hours")}</h2>
      <p class="meta">{t("hours.hint")}</p>
      {windows.length === 0 && <p class="empty">{t("hours.none")}</p>}
      {windows.map((w) => (
        <fieldset key={w.key} class="row">
          <legend class="visually-hidden">{t.weekday(w.weekday)}</legend>
          <div class="field">
            <label for={`day-${w.key}`}>{t("hours.day")}</label>
            <select id={`day-${w.key}`} value={w.weekday} onChange={(e) => change(w.key, { weekday: Number(e.currentTarget.value) })}>
              {[0, 1, 2, 3, 4, 5, 6].map((day) => (
                <option key={day} value={day}>
                  {t.weekday(day)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for={`opens-${w.key}`}>{t("hours.opens")}</label>
            <input id={`opens-${w.key}`} type="time" value={w.opens} onInput={(e) => change(w.key, { opens: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for={`closes-${w.key}`}>{t("hours.closes")}</label>
            <input id={`closes-${w.key}`} type="time" value={w.closes} onInput={(e) => change(w.key, { closes: e.currentTarget.value })} />
          </div>
          <button type="button" class="button button--small button--ghost" onClick={() => setWindows(windows.filter((x) => x.key !== w.key))}>
            {t("common.remove")}
          </button>
        </fieldset>
      ))}
      <div class="buttons">
        <button
          type="button"
          class="button button--small"
          onClick={() => setWindows([...windows, { key: nextKey++, weekday: 0, opens: "11:00", closes: "22:00" }])}
        >
          {t("hours.add")}
        </button>
        <button
          type="button"
          class="button button--small"
          onClick={() => setWindows([0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ key: nextKey++, weekday, opens: "00:00", closes: "00:00" })))}
        >
          {t("hours.always")}
        </button>
      </div>
      {invalid && <p class="field__error">{invalid}</p>}
      <ErrorMessage error={error} />
      {saved && <Notice kind="success" live>{t("account.saved")}</Notice>}
      <Submit busy={busy}>{t("hours.save")}</Submit>
    </form>
  );
}

export function StoreSettings({ store, onStore }: { store: StoreOut; onStore: (store: StoreOut) => void }) {
  const t = useT();
  return (
    <>
      <section aria-labelledby="details-title">
        <h2 id="details-title">{t("owner.details")}</h2>
        <p>
          <a href={`/stores/${store.id}`}>{t("owner.asCustomer")}</a>
        </p>
        <StoreForm
          initial={draftOf(store)}
          submitLabel={t("common.save")}
          onSave={async (draft) => {
            onStore(
              await ok(
                api.store.PATCH("/api/store/stores/{store_id}", { params: { path: { store_id: store.id } }, body: storeBody(draft) }),
              ),
            );
          }}
        />
      </section>
      <HoursEditor store={store} onStore={onStore} />
    </>
  );
}
