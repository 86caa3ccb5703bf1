// A store's details as its owner edits them: name, description, address, timezone, delivery area and the
// ordering switches. Used to open a store and to change it.
import { useState } from "preact/hooks";

import { fieldErrorsOf } from "../api/problem";
import type { StoreOut } from "../api/types";
import { devicePosition } from "../customer/where";
import { useT } from "../i18n";
import { checkText, checkWhole, problems, type Invalid } from "../lib/validation";
import { ErrorMessage, Notice } from "../ui/feedback";
import { Submit, Switch, TextArea, TextField, onSubmit } from "../ui/forms";

export interface StoreDraft {
  name: string;
  description: string;
  address: string;
  timezone: string;
  lat: string;
  lng: string;
  radius_m: string;
  accepting_orders: boolean;
  auto_accept: boolean;
  auto_accept_prep_minutes: string;
}

// Seoul City Hall: a sensible centre until the owner places the store.
export const NEW_STORE: StoreDraft = {
  name: "",
  description: "",
  address: "",
  timezone: "Asia/Seoul",
  lat: "37.5665",
  lng: "126.978",
  radius_m: "3000",
  accepting_orders: true,
  auto_accept: false,
  auto_accept_prep_minutes: "15",
};

export function draftOf(store: StoreOut): StoreDraft {
  return {
    name: store.name,
    description: store.description,
    address: store.address,
    timezone: store.timezone,
    lat: String(store.delivery_area.lat),
    lng: String(store.delivery_area.lng),
    radius_m: String(store.delivery_area.radius_m),
    accepting_orders: store.accepting_orders,
    auto_accept: store.auto_accept,
    auto_accept_prep_minutes: String(store.auto_accept_prep_minutes),
  };
}

function checkCoordinate(value: string, limit: number): Invalid | null {
  const n = Number(value.trim());
  if (!value.trim()) return { key: "field.required" };
  if (!Number.isFinite(n)) return { key: "field.number" };
  if (n < -limit || n > limit) return { key: "field.max_value", params: { n: limit } };
  return null;
}

export function storeBody(draft: StoreDraft) {
  return {
    name: draft.name.trim(),
    description: draft.description.trim(),
    address: draft.address.trim(),
    timezone: draft.timezone.trim(),
    delivery_area: { lat: Number(draft.lat), lng: Number(draft.lng), radius_m: Number(draft.radius_m) },
    accepting_orders: draft.accepting_orders,
    auto_accept: draft.auto_accept,
    auto_accept_prep_minutes: Number(draft.auto_accept_prep_minutes),
  };
}

export function StoreForm({
  initial,
  submitLabel,
  onSave,
}: {
  initial: StoreDraft;
  submitLabel: string;
  onSave: (draft: StoreDraft) => Promise<void>;
}) {
  const t = useT();
  const [draft, setDraft] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const set = (field: keyof StoreDraft) => (value: string | boolean) => setDraft({ ...draft, [field]: value });

  const locate = async () => {
    try {
      const here = await devicePosition();
      setDraft({ ...draft, lat: here.lat.toFixed(6), lng: here.lng.toFixed(6) });
    } catch {
      setInvalid({ ...invalid, lat: t("home.locationFailed") });
    }
  };

  const save = async () => {
    const found = problems({
      name: checkText(draft.name, { max: 200 }),
      description: checkText(draft.description, { max: 2000, required: false }),
      address: checkText(draft.address, { max: 500, required: false }),
      timezone: checkText(draft.timezone, { max: 64 }),
      lat: checkCoordinate(draft.lat, 90),
      lng: checkCoordinate(draft.lng, 180),
      radius_m: checkWhole(draft.radius_m, { min: 1, max: 100_000 }),
      auto_accept_prep_minutes: checkWhole(draft.auto_accept_prep_minutes, { min: 1, max: 240 }),
    });
    setInvalid(Object.fromEntries(Object.entries(found).map(([f, p]) => [f, t(p.key, p.params)])));
    setSaved(false);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSave(draft);
      setSaved(true);
    } catch (caught) {
      setError(caught);
      const fields = fieldErrorsOf(caught, t);
      // delivery_area.lat -> lat: the form shows the area's parts as fields of their own
      setInvalid(Object.fromEntries(Object.entries(fields).map(([f, m]) => [f.replace(/^delivery_area\./, ""), m])));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={onSubmit(save)} noValidate>
      <TextField label={t("storeForm.name")} value={draft.name} onValue={set("name")} maxLength={200} error={invalid.name} />
      <TextArea label={t("storeForm.description")} value={draft.description} onValue={set("description")} error={invalid.description} />
      <TextField label={t("storeForm.address")} value={draft.address} onValue={set("address")} error={invalid.address} />
      <TextField
        label={t("storeForm.timezone")}
        hint={t("storeForm.timezoneHint")}
        value={draft.timezone}
        onValue={set("timezone")}
        error={invalid.timezone}
      />
      <fieldset class="form">
        <legend>{t("storeForm.area")}</legend>
        <div class="row">
          <TextField label={t("storeForm.lat")} inputMode="decimal" value={draft.lat} onValue={set("lat")} error={invalid.lat} />
          <TextField label={t("storeForm.lng")} inputMode="decimal" value={draft.lng} onValue={set("lng")} error={invalid.lng} />
          <TextField
            label={t("storeForm.radius")}
            inputMode="numeric"
            value={draft.radius_m}
            onValue={set("radius_m")}
            error={invalid.radius_m}
          />
        </div>
        <p>
          <button type="button" class="button button--small" onClick={() => void locate()}>
            {t("storeForm.here")}
          </button>
        </p>
      </fieldset>
      <Switch label={t("storeForm.accepting")} checked={draft.accepting_orders} onChange={set("accepting_orders")} hint={t("storeForm.acceptingHint")} />
      <Switch label={t("storeForm.autoAccept")} checked={draft.auto_accept} onChange={set("auto_accept")} hint={t("storeForm.autoAcceptHint")} />
      <TextField
        label={t("storeForm.prepMinutes")}
        inputMode="numeric"
        value={draft.auto_accept_prep_minutes}
        onValue={set("auto_accept_prep_minutes")}
        error={invalid.auto_accept_prep_minutes}
      />
      <ErrorMessage error={error} />
      {saved && <Notice kind="success" live>{t("account.saved")}</Notice>}
      <Submit busy={busy}>{submitLabel}</Submit>
    </form>
  );
}
