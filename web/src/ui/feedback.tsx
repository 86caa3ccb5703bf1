// What a page shows while it waits, when something went wrong, and when there is nothing to show.
import type { ComponentChildren } from "preact";

import { describeError } from "../api/problem";
import { useT } from "../i18n";

export function Loading() {
  const t = useT();
  return (
    <p class="loading" role="status">
      {t("common.loading")}
    </p>
  );
}

/** An error as one sentence in the user's language (never the raw answer). */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  if (error === undefined || error === null) return null;
  return (
    <div class="notice notice--error" role="alert">
      <p>{describeError(error, t)}</p>
      {onRetry && (
        <button type="button" class="button button--small" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

export function Notice({
  kind = "info",
  children,
  live = false,
}: {
  kind?: "info" | "success" | "warning";
  children: ComponentChildren;
  live?: boolean;
}) {
  return (
    <div class={`notice notice--${kind}`} role={live ? "status" : undefined}>
      {children}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** Shows the loader, the error (with a retry), or the content once loaded. */
export function Loader<T>({
  loaded,
  children,
}: {
  loaded: { data: T | undefined; error: unknown; reload: () => Promise<void> };
  children: (data: T) => ComponentChildren;
}) {
  if (loaded.data === undefined) {
    if (loaded.error !== undefined) return <ErrorMessage error={loaded.error} onRetry={() => void loaded.reload()} />;
    return <Loading />;
  }
  return <>{children(loaded.data)}</>;
}
