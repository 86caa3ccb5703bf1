// The frame around every page: the header with its navigation and language switch, and the banner
// that says the live connection is away.
import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { useEffect } from "preact/hooks";

import { session } from "../api/session";
import { locale, useT, type MessageKey } from "../i18n";
import { createStore, useStore } from "../lib/store";
import { liveStatus } from "../live/stream";

interface NavItem {
  href: string;
  label: MessageKey;
}

const customerNav: NavItem[] = [
  { href: "/", label: "nav.stores" },
  { href: "/cart", label: "nav.cart" },
  { href: "/orders", label: "nav.orders" },
  { href: "/account", label: "nav.account" },
];
const ownerNav: NavItem[] = [
  { href: "/owner", label: "nav.myStores" },
  { href: "/account", label: "nav.account" },
];
const guestNav: NavItem[] = [
  { href: "/", label: "nav.stores" },
  { href: "/signin", label: "nav.signIn" },
];

function isCurrent(href: string, path: string): boolean {
  return href === "/" ? path === "/" || path.startsWith("/stores/") : path === href || path.startsWith(`${href}/`);
}

export function Header() {
  const t = useT();
  const current = useStore(session);
  const { path } = useLocation();
  const nav = !current ? guestNav : current.role === "CUSTOMER" ? customerNav : ownerNav;
  const other = t.locale === "ko" ? "en" : "ko";
  return (
    <header class="header">
      <a class="skip" href="#main">
        {t("nav.skip")}
      </a>
      <a class="brand" href={current && current.role !== "CUSTOMER" ? "/owner" : "/"}>
        {t("app.name")}
      </a>
      <nav aria-label={t("nav.label")}>
        <ul class="nav">
          {nav.map((item) => (
            <li key={item.href}>
              <a href={item.href} aria-current={isCurrent(item.href, path) ? "page" : undefined}>
                {t(item.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <button
        type="button"
        class="button button--small button--ghost lang"
        lang={other}
        onClick={() => locale.set(other)}
      >
        {t("nav.switchLanguage")}
      </button>
    </header>
  );
}

export function LiveBanner() {
  const t = useT();
  const status = useStore(liveStatus);
  if (status !== "reconnecting") return null;
  return (
    <div class="banner" role="status" data-testid="reconnecting">
      {t("live.reconnecting")}
    </div>
  );
}

/** A count shown in front of the document title, e.g. the owner's new orders: "(2) …". */
export const titleBadge = createStore(0);

/** A page's main landmark and heading; the document title follows the heading. */
export function Page({
  title,
  children,
  wide = false,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  wide?: boolean;
  actions?: ComponentChildren;
}) {
  const t = useT();
  const badge = useStore(titleBadge);
  const appName = t("app.name");
  useEffect(() => {
    document.title = `${badge > 0 ? `(${badge}) ` : ""}${title} · ${appName}`;
  }, [title, appName, badge]);
  return (
    <main id="main" class={wide ? "page page--wide" : "page"}>
      <div class="page__head">
        <h1>{title}</h1>
        {actions}
      </div>
      {children}
    </main>
  );
}

/** Sends someone who is not signed in (or signed in with another role) to the sign-in page. */
export function useRequireRole(...roles: string[]): boolean {
  const current = useStore(session);
  const { route, url } = useLocation();
  const allowed = current !== null && roles.includes(current.role);
  useEffect(() => {
    if (!current) route(`/signin?next=${encodeURIComponent(url)}`, true);
    else if (!allowed) route(current.role === "CUSTOMER" ? "/" : "/owner", true);
  }, [current, allowed, route, url]);
  return allowed;
}
