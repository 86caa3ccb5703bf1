// Signing in and signing up (customers and store owners alike).
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { fieldErrorsOf } from "../api/problem";
import { sessionEnded, signIn, signUp, type Role, type Session } from "../api/session";
import { useT, type MessageKey } from "../i18n";
import { useStore } from "../lib/store";
import { ErrorMessage, Notice } from "../ui/feedback";
import { Submit, TextField, onSubmit } from "../ui/forms";
import { Page } from "../ui/shell";
import { checkDisplayName, checkEmail, checkPassword } from "../lib/validation";

function landing(current: Session, next: string | undefined): string {
  if (next?.startsWith("/") && !next.startsWith("//")) return next;
  return current.role === "CUSTOMER" ? "/" : "/owner";
}

export function SignInPage() {
  const t = useT();
  const { route, query } = useLocation();
  const ended = useStore(sessionEnded);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<Partial<Record<"email" | "password", MessageKey>>>({});

  const submit = async () => {
    const problems = {
      ...(email.trim() ? {} : { email: "field.required" as const }),
      ...(password ? {} : { password: "field.required" as const }),
    };
    setInvalid(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const current = await signIn(email.trim(), password);
      route(landing(current, query.next), true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t("signIn.title")}>
      {ended === "expired" && <Notice kind="warning">{t("signIn.sessionEnded")}</Notice>}
      <form class="form" onSubmit={onSubmit(submit)} noValidate>
        <TextField
          label={t("field.email")}
          type="email"
          autocomplete="email"
          value={email}
          onValue={setEmail}
          error={invalid.email && t(invalid.email)}
        />
        <TextField
          label={t("field.password")}
          type="password"
          autocomplete="current-password"
          value={password}
          onValue={setPassword}
          error={invalid.password && t(invalid.password)}
        />
        <ErrorMessage error={error} />
        <Submit busy={busy} busyLabel={t("signIn.busy")}>
          {t("signIn.submit")}
        </Submit>
      </form>
      <p>
        {t("signIn.noAccount")} <a href={`/signup${query.next ? `?next=${encodeURIComponent(query.next)}` : ""}`}>{t("signUp.title")}</a>
      </p>
    </Page>
  );
}

type SignUpField = "email" | "password" | "display_name";

export function SignUpPage() {
  const t = useT();
  const { route, query } = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>(query.role === "OWNER" ? "OWNER" : "CUSTOMER");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<Partial<Record<SignUpField, string>>>({});

  const submit = async () => {
    const problems: Partial<Record<SignUpField, string>> = {};
    const emailProblem = checkEmail(email);
    const passwordProblem = checkPassword(password);
    const nameProblem = checkDisplayName(name);
    if (emailProblem) problems.email = t(emailProblem.key, emailProblem.params);
    if (passwordProblem) problems.password = t(passwordProblem.key, passwordProblem.params);
    if (nameProblem) problems.display_name = t(nameProblem.key, nameProblem.params);
    setInvalid(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const current = await signUp(email.trim(), password, name.trim(), role);
      route(landing(current, query.next), true);
    } catch (caught) {
      setError(caught);
      setInvalid(fieldErrorsOf(caught, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t("signUp.title")}>
      <form class="form" onSubmit={onSubmit(submit)} noValidate>
        <fieldset class="choice">
          <legend>{t("signUp.role")}</legend>
          {(["CUSTOMER", "OWNER"] as const).map((value) => (
            <label key={value} class="choice__option">
              <input type="radio" name="role" value={value} checked={role === value} onChange={() => setRole(value)} />
              {t(value === "CUSTOMER" ? "signUp.roleCustomer" : "signUp.roleOwner")}
            </label>
          ))}
        </fieldset>
        <TextField
          label={t("field.displayName")}
          autocomplete="nickname"
          value={name}
          onValue={setName}
          error={invalid.display_name}
        />
        <TextField
          label={t("field.email")}
          type="email"
          autocomplete="email"
          value={email}
          onValue={setEmail}
          error={invalid.email}
        />
        <TextField
          label={t("field.password")}
          type="password"
          autocomplete="new-password"
          hint={t("signUp.passwordHint")}
          value={password}
          onValue={setPassword}
          error={invalid.password}
        />
        <ErrorMessage error={error} />
        <Submit busy={busy} busyLabel={t("signUp.busy")}>
          {t("signUp.submit")}
        </Submit>
      </form>
      <p>
        {t("signUp.haveAccount")} <a href="/signin">{t("signIn.title")}</a>
      </p>
    </Page>
  );
}
