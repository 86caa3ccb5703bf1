// The person's own account: name and phone, delivery addresses (customers), language, signing out here or
// everywhere.
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { api, ok } from "../api/http";
import { fieldErrorsOf } from "../api/problem";
import { session, signOut, signOutEverywhere, updateDisplayName } from "../api/session";
import type { Profile } from "../api/types";
import { locale, useT } from "../i18n";
import { useLoad } from "../lib/load";
import { useStore } from "../lib/store";
import { checkDisplayName } from "../lib/validation";
import { ErrorMessage, Loader, Notice } from "../ui/feedback";
import { Submit, TextField, onSubmit } from "../ui/forms";
import { Page, useRequireRole } from "../ui/shell";
import { AddressBook } from "./addresses";

function ProfileForm({ profile, onSaved }: { profile: Profile; onSaved: (profile: Profile) => void }) {
  const t = useT();
  const [name, setName] = useState(profile.display_name);
  const [phone, setPhone] = useState(profile.phone ?? "");
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<Record<string, string>>({});

  const save = async () => {
    const nameProblem = checkDisplayName(name);
    const problems: Record<string, string> = {};
    if (nameProblem) problems.display_name = t(nameProblem.key, nameProblem.params);
    if (phone.trim().length > 30) problems.phone = t("field.max_length", { n: 30 });
    setInvalid(problems);
    setSaved(false);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const changed = await ok(
        api.user.PATCH("/api/user/me", { body: { display_name: name.trim(), phone: phone.trim() || null } }),
      );
      updateDisplayName(changed.display_name);
      onSaved(changed);
      setSaved(true);
    } catch (caught) {
      setError(caught);
      setInvalid(fieldErrorsOf(caught, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={onSubmit(save)} noValidate>
      <p class="meta">{profile.email}</p>
      <TextField label={t("field.displayName")} value={name} onValue={setName} autocomplete="nickname" error={invalid.display_name} />
      <TextField
        label={t("field.phone")}
        type="tel"
        autocomplete="tel"
        placeholder="010-1234-5678"
        value={phone}
        onValue={setPhone}
        error={invalid.phone}
      />
      <ErrorMessage error={error} />
      {saved && <Notice kind="success" live>{t("account.saved")}</Notice>}
      <Submit busy={busy}>{t("common.save")}</Submit>
    </form>
  );
}

export function AccountPage() {
  const t = useT();
  const current = useStore(session);
  const allowed = useRequireRole("CUSTOMER", "OWNER", "ADMIN");
  const { route } = useLocation();
  const profile = useLoad(async () => (allowed ? ok(api.user.GET("/api/user/me")) : undefined), [allowed]);
  const [error, setError] = useState<unknown>(undefined);
  const [leaving, setLeaving] = useState(false);

  const leave = async (everywhere: boolean) => {
    setLeaving(true);
    setError(undefined);
    try {
      await (everywhere ? signOutEverywhere() : signOut());
      route("/signin", true);
    } catch (caught) {
      setError(caught);
      setLeaving(false);
    }
  };

  return (
    <Page title={t("account.title")}>
      {allowed && (
        <>
          <section aria-labelledby="profile-title">
            <h2 id="profile-title">{t("account.profile")}</h2>
            <Loader loaded={profile}>
              {(found) =>
                found ? <ProfileForm profile={found} onSaved={profile.setData} /> : null
              }
            </Loader>
          </section>
          {current?.role === "CUSTOMER" && <AddressBook />}
          <section aria-labelledby="language-title">
            <h2 id="language-title">{t("account.language")}</h2>
            <div class="buttons">
              {(["ko", "en"] as const).map((value) => (
                <button
                  key={value}
                  type="button"
                  class="button"
                  lang={value}
                  aria-pressed={t.locale === value}
                  onClick={() => locale.set(value)}
                >
                  {value === "ko" ? "한국어" : "English"}
                </button>
              ))}
            </div>
          </section>
          <section aria-labelledby="sessions-title">
            <h2 id="sessions-title">{t("account.sessions")}</h2>
            <ErrorMessage error={error} />
            <div class="buttons">
              <button type="button" class="button" disabled={leaving} onClick={() => void leave(false)}>
                {t("account.signOut")}
              </button>
              <button type="button" class="button button--danger" disabled={leaving} onClick={() => void leave(true)}>
                {t("account.signOutEverywhere")}
              </button>
            </div>
            <p class="meta">{t("account.everywhereHint")}</p>
          </section>
        </>
      )}
    </Page>
  );
}
