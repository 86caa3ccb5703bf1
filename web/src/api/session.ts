// The signed-in person's session: a short-lived access token and a rotating refresh token.
//
// The access token is refreshed silently a minute before it expires (and once more when a service
// answers 401). Refresh tokens rotate: each is good for one refresh, and presenting a used one revokes
// the whole session (auth's reuse detection). So two tabs must never refresh with the same token: the
// refresh runs under a Web Lock shared by the tabs, and re-reads storage inside it, where another tab
// may already have stored the next pair.
import { createStore } from "../lib/store";
import { ApiError, NetworkError, problemOf } from "./problem";

export type Role = "CUSTOMER" | "OWNER" | "ADMIN";

export interface Session {
  userId: string;
  role: Role;
  email: string;
  displayName: string;
  accessToken: string;
  /** epoch milliseconds */
  accessExpiresAt: number;
  refreshToken: string;
}

interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token: string;
}

const STORAGE_KEY = "matjip.session";
/** Refresh this long before the access token expires, so no request carries an expired one. */
export const REFRESH_MARGIN_MS = 60_000;

function load(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function persist(value: Session | null): void {
  try {
    if (value) localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // without storage the session lasts as long as the page
  }
}

export const session = createStore<Session | null>(load());
/** Why the last session ended without the person asking (shown on the sign-in page once). */
export const sessionEnded = createStore<"expired" | null>(null);

let refreshTimer: ReturnType<typeof setTimeout> | undefined;

function schedule(value: Session | null): void {
  clearTimeout(refreshTimer);
  if (!value) return;
  const wait = Math.max(value.accessExpiresAt - Date.now() - REFRESH_MARGIN_MS, 1_000);
  refreshTimer = setTimeout(() => {
    void refreshAccess(value.refreshToken).catch(() => {
      // offline: the next request (or the next timer) tries again
      schedule(session.get());
    });
  }, wait);
}

function setSession(value: Session | null): void {
  persist(value);
  session.set(value);
  schedule(value);
}

// Another tab signed in, refreshed or signed out: follow it.
if (typeof window !== "undefined") {
  window.addEventListener("storage", (event) => {
    if (event.key !== STORAGE_KEY) return;
    const value = load();
    session.set(value);
    schedule(value);
  });
}
schedule(session.get());

async function post(path: string, body: unknown, bearer?: string): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  try {
    return await fetch(path, { method: "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new NetworkError(error);
  }
}

async function failure(response: Response): Promise<never> {
  const body: unknown = await response.json().catch(() => null);
  throw new ApiError(problemOf(response.status, body));
}

function withTokens(base: Omit<Session, "accessToken" | "accessExpiresAt" | "refreshToken">, tokens: TokenResponse): Session {
  return {
    ...base,
    accessToken: tokens.access_token,
    accessExpiresAt: Date.now() + tokens.expires_in * 1000,
    refreshToken: tokens.refresh_token,
  };
}

export async function signIn(email: string, password: string): Promise<Session> {
  const response = await post("/api/auth/login", { email, password });
  if (!response.ok) return failure(response);
  const tokens = (await response.json()) as TokenResponse;
  let me: Response;
  try {
    me = await fetch("/api/auth/me", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (!me.ok) return failure(me);
  const account = (await me.json()) as { user_id: string; role: Role; email: string; display_name: string };
  const value = withTokens(
    { userId: account.user_id, role: account.role, email: account.email, displayName: account.display_name },
    tokens,
  );
  sessionEnded.set(null);
  setSession(value);
  return value;
}

export async function signUp(email: string, password: string, displayName: string, role: Role): Promise<Session> {
  const response = await post("/api/auth/signup", { email, password, display_name: displayName, role });
  if (!response.ok) return failure(response);
  return signIn(email, password);
}

/** Sign out here: the access token and this device's refresh token are revoked. */
export async function signOut(): Promise<void> {
  const current = session.get();
  setSession(null);
  if (!current) return;
  await post("/api/auth/logout", { refresh_token: current.refreshToken }, current.accessToken).catch(() => undefined);
}

/** Sign out on every device: every refresh token of the account is revoked. */
export async function signOutEverywhere(): Promise<void> {
  const token = await accessToken();
  const response = await post("/api/auth/logout-everywhere", undefined, token ?? undefined);
  if (!response.ok && response.status !== 401) return failure(response);
  setSession(null);
}

export function updateDisplayName(displayName: string): void {
  const current = session.get();
  if (current) setSession({ ...current, displayName });
}

let inFlight: Promise<Session | null> | null = null;

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  if (!locks) return work();
  return locks.request("matjip.refresh", work) as Promise<T>;
}

/** Exchange `staleRefreshToken` for a new pair, once across tabs; null when the session is over. */
export function refreshAccess(staleRefreshToken: string): Promise<Session | null> {
  inFlight ??= withLock(async () => {
    const stored = load();
    if (!stored) {
      setSession(null);
      return null;
    }
    if (stored.refreshToken !== staleRefreshToken && stored.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS) {
      // another tab rotated it a moment ago
      setSession(stored);
      return stored;
    }
    const response = await post("/api/auth/refresh", { refresh_token: stored.refreshToken });
    if (response.status === 401 || response.status === 422) {
      setSession(null);
      sessionEnded.set("expired");
      return null;
    }
    if (!response.ok) return failure(response);
    const next = withTokens(stored, (await response.json()) as TokenResponse);
    setSession(next);
    return next;
  }).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

/** A valid access token (refreshed first when it is about to expire), or null when signed out. */
export async function accessToken(): Promise<string | null> {
  const current = session.get();
  if (!current) return null;
  if (current.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS / 2) return current.accessToken;
  return (await refreshAccess(current.refreshToken))?.accessToken ?? null;
}
