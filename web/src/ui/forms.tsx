// Form pieces: a labelled field with its error, inputs, and a submit button that cannot be pressed twice.
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ComponentChildren;
}

export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div class={error ? "field field--invalid" : "field"}>
      <label for={id}>{label}</label>
      {children({ id, describedBy, invalid: Boolean(error) })}
      {hint && (
        <p class="field__hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field__error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

interface InputProps {
  label: string;
  type?: "text" | "email" | "password" | "tel" | "search";
  autocomplete?: string;
  placeholder?: string;
  maxLength?: number;
  inputMode?: "text" | "numeric" | "decimal" | "tel" | "email";
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
}

export function TextField({ label, value, onValue, error, hint, type = "text", ...rest }: InputProps) {
  return (
    <Field label={label} error={error} hint={hint}>
      {({ id, describedBy, invalid }) => (
        <input
          {...rest}
          // Preact types each input type separately; these text-like kinds all take the same attributes.
          type={type as "text"}
          id={id}
          value={value}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onInput={(event) => onValue(event.currentTarget.value)}
        />
      )}
    </Field>
  );
}

interface AreaProps {
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  maxLength?: number;
}

export function TextArea({ label, value, onValue, error, ...rest }: AreaProps) {
  return (
    <Field label={label} error={error}>
      {({ id, describedBy, invalid }) => (
        <textarea
          {...rest}
          id={id}
          value={value}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onInput={(event) => onValue(event.currentTarget.value)}
        />
      )}
    </Field>
  );
}

interface SwitchProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  hint?: string;
}

/** An on/off setting, announced as a switch. */
export function Switch({ label, checked, onChange, disabled, hint }: SwitchProps) {
  const id = useId();
  return (
    <div class="switch">
      <input
        id={id}
        type="checkbox"
        role="switch"
        checked={checked}
        aria-checked={checked}
        disabled={disabled}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(event) => onChange(event.currentTarget.checked)}
      />
      <label for={id}>{label}</label>
      {hint && (
        <p class="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

interface SubmitProps {
  busy: boolean;
  children: ComponentChildren;
  busyLabel?: string;
  class?: string;
  disabled?: boolean;
}

export function Submit({ busy, children, busyLabel, class: className, disabled }: SubmitProps) {
  return (
    <button type="submit" class={className ?? "button button--primary"} disabled={busy || disabled} aria-busy={busy}>
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}

/** Calls `handler` on submit without the browser's own page load. */
export function onSubmit(handler: () => void | Promise<void>) {
  return (event: Event) => {
    event.preventDefault();
    void handler();
  };
}
