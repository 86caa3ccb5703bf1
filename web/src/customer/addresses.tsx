// The customer's delivery addresses: add, edit, make default, remove; each may keep where it is on the
// map (from the device), so "near me" works without asking the device every time.
import { useState } from "preact/hooks";

import { api, ok } from "../api/http";
import { fieldErrorsOf } from "../api/problem";
import type { Address } from "../api/types";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { checkPostalCode, checkText, problems } from "../lib/validation";
import { ErrorMessage, Loader } from "../ui/feedback";
import { Submit, TextField, onSubmit } from "../ui/forms";
import { devicePosition } from "./where";

interface Draft {
  label: string;
  line1: string;
  line2: string;
  postal_code: string;
  delivery_note: string;
  location: { lat: number; lng: number } | null;
}

const emptyDraft: Draft = { label: "", line1: "", line2: "", postal_code: "", delivery_note: "", location: null };

function draftOf(address: Address): Draft {
  return {
    label: address.label,
    line1: address.line1,
    line2: address.line2 ?? "",
    postal_code: address.postal_code,
    delivery_note: address.delivery_note ?? "",
    location: address.location ?? null,
  };
}

function AddressForm({
  initial,
  onSave,
  onCancel,
}: {
  initial: Draft;
  onSave: (draft: Draft) => Promise<void>;
  onCancel: () => void;
}) {
  const t = useT();
  const [draft, setDraft] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [locating, setLocating] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const set = (field: keyof Draft) => (value: string) => setDraft({ ...draft, [field]: value });

  const locate = async () => {
    setLocating(true);
    setError(undefined);
    try {
      setDraft({ ...draft, location: await devicePosition() });
    } catch {
      setInvalid({ ...invalid, location: t("home.locationFailed") });
    } finally {
      setLocating(false);
    }
  };

  const save = async () => {
    const found = problems({
      label: checkText(draft.label, { max: 30 }),
      line1: checkText(draft.line1, { max: 200 }),
      line2: checkText(draft.line2, { max: 200, required: false }),
      postal_code: checkPostalCode(draft.postal_code),
      delivery_note: checkText(draft.delivery_note, { max: 200, required: false }),
    });
    setInvalid(Object.fromEntries(Object.entries(found).map(([f, p]) => [f, t(p.key, p.params)])));
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSave(draft);
    } catch (caught) {
      setError(caught);
      setInvalid(fieldErrorsOf(caught, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form card" onSubmit={onSubmit(save)} noValidate>
      <TextField label={t("address.label")} placeholder={t("address.labelHint")} value={draft.label} onValue={set("label")} error={invalid.label} />
      <TextField label={t("address.line1")} autocomplete="address-line1" value={draft.line1} onValue={set("line1")} error={invalid.line1} />
      <TextField label={t("address.line2")} autocomplete="address-line2" value={draft.line2} onValue={set("line2")} error={invalid.line2} />
      <TextField
        label={t("address.postalCode")}
        autocomplete="postal-code"
        inputMode="numeric"
        maxLength={5}
        value={draft.postal_code}
        onValue={set("postal_code")}
        error={invalid.postal_code}
      />
      <TextField label={t("address.note")} value={draft.delivery_note} onValue={set("delivery_note")} error={invalid.delivery_note} />
      <div class="buttons">
        <button type="button" class="button button--small" disabled={locating} onClick={() => void locate()}>
          {locating ? t("home.locating") : t("address.useLocation")}
        </button>
        {draft.location && (
          <>
            <span class="meta">{t("address.located")}</span>
            <button type="button" class="button button--small button--ghost" onClick={() => setDraft({ ...draft, location: null })}>
              {t("address.forgetLocation")}
            </button>
          </>
        )}
      </div>
      {invalid.location && <p class="field__error">{invalid.location}</p>}
      <ErrorMessage error={error} />
      <div class="buttons">
        <Submit busy={busy}>{t("common.save")}</Submit>
        <button type="button" class="button" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

function body(draft: Draft) {
  return {
    label: draft.label.trim(),
    line1: draft.line1.trim(),
    line2: draft.line2.trim() || null,
    postal_code: draft.postal_code.trim(),
    delivery_note: draft.delivery_note.trim() || null,
    location: draft.location,
  };
}

export function AddressBook() {
  const t = useT();
  const book = useLoad(() => ok(api.user.GET("/api/user/me/addresses")), []);
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      await book.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section aria-labelledby="addresses-title">
      <h2 id="addresses-title">{t("address.title")}</h2>
      <ErrorMessage error={error} />
      <Loader loaded={book}>
        {(addresses) => (
          <ul class="cards">
            {addresses.map((address) => (
              <li key={address.address_id} class="card" data-testid="address">
                {editing === address.address_id ? (
                  <AddressForm
                    initial={draftOf(address)}
                    onCancel={() => setEditing(null)}
                    onSave={async (draft) => {
                      await ok(
                        api.user.PATCH("/api/user/me/addresses/{address_id}", {
                          params: { path: { address_id: address.address_id } },
                          body: body(draft),
                        }),
                      );
                      setEditing(null);
                      await book.reload();
                    }}
                  />
                ) : (
                  <>
                    <div class="card__title">
                      <h3>{address.label}</h3>
                      {address.is_default && <span class="badge">{t("address.default")}</span>}
                    </div>
                    <p>
                      {address.line1} {address.line2 ?? ""} ({address.postal_code})
                    </p>
                    {address.delivery_note && <p class="meta">{address.delivery_note}</p>}
                    {address.location && <p class="meta">{t("address.located")}</p>}
                    <div class="buttons">
                      <button type="button" class="button button--small" onClick={() => setEditing(address.address_id)}>
                        {t("common.edit")}
                      </button>
                      {!address.is_default && (
                        <button
                          type="button"
                          class="button button--small"
                          onClick={() =>
                            void act(() =>
                              ok(
                                api.user.POST("/api/user/me/addresses/{address_id}/default", {
                                  params: { path: { address_id: address.address_id } },
                                }),
                              ),
                            )
                          }
                        >
                          {t("address.makeDefault")}
                        </button>
                      )}
                      <button
                        type="button"
                        class="button button--small button--ghost"
                        onClick={() =>
                          void act(() =>
                            ok(
                              api.user.DELETE("/api/user/me/addresses/{address_id}", {
                                params: { path: { address_id: address.address_id } },
                              }),
                            ),
                          )
                        }
                      >
                        {t("common.remove")}
                      </button>
                    </div>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </Loader>
      {editing === "new" ? (
        <AddressForm
          initial={emptyDraft}
          onCancel={() => setEditing(null)}
          onSave={async (draft) => {
            await ok(api.user.POST("/api/user/me/addresses", { body: body(draft) }));
            setEditing(null);
            await book.reload();
          }}
        />
      ) : (
        <p>
          <button type="button" class="button" onClick={() => setEditing("new")}>
            {t("address.add")}
          </button>
        </p>
      )}
    </section>
  );
}
