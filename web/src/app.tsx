// The app: one shell (header, language switch, live-connection banner) around the customer's pages and,
// loaded only when an owner opens it, the owner console.
import { ErrorBoundary, LocationProvider, Route, Router, lazy, useLocation } from "preact-iso";
import { useEffect } from "preact/hooks";

import { session, type Session } from "./api/session";
import { AccountPage } from "./customer/account";
import { CartPage } from "./customer/cart";
import { HomePage } from "./customer/home";
import { OrdersPage } from "./customer/orders";
import { SignInPage, SignUpPage } from "./customer/sign-in";
import { StorePage } from "./customer/store";
import { TrackerPage } from "./customer/tracker";
import { useT } from "./i18n";
import { useStore } from "./lib/store";
import { LiveStream } from "./live/stream";
import { Header, LiveBanner } from "./ui/shell";

const OwnerHome = lazy(() => import("./owner/home").then((m) => m.OwnerHome));
const OwnerStore = lazy(() => import("./owner/store").then((m) => m.OwnerStore));

/** One live stream while someone is signed in. */
function useLiveStream(current: Session | null): void {
  const userId = current?.userId;
  useEffect(() => {
    if (!userId) return;
    const stream = new LiveStream(userId);
    stream.start();
    return () => stream.stop();
  }, [userId]);
}

function NotFound() {
  const t = useT();
  return (
    <main id="main" class="page">
      <h1>{t("notFound.title")}</h1>
      <p>
        <a href="/">{t("notFound.home")}</a>
      </p>
    </main>
  );
}

function ScrollToTop() {
  const { path } = useLocation();
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [path]);
  return null;
}

export function App() {
  const current = useStore(session);
  useLiveStream(current);
  return (
    <LocationProvider>
      <ScrollToTop />
      <Header />
      <LiveBanner />
      <ErrorBoundary>
        <Router>
          <Route path="/" component={HomePage} />
          <Route path="/signin" component={SignInPage} />
          <Route path="/signup" component={SignUpPage} />
          <Route path="/stores/:id" component={StorePage} />
          <Route path="/cart" component={CartPage} />
          <Route path="/orders" component={OrdersPage} />
          <Route path="/orders/:id" component={TrackerPage} />
          <Route path="/account" component={AccountPage} />
          <Route path="/owner" component={OwnerHome} />
          <Route path="/owner/stores/:id" component={OwnerStore} />
          <Route path="/owner/stores/:id/*" component={OwnerStore} />
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </LocationProvider>
  );
}
