// The signed-in person's live notifications: one Server-Sent Events stream from the notification
// service for the whole app. Pages listen for the events they care about.
//
// After a drop (offline, a server restart, a proxy timeout) the stream reconnects by itself, sending
// the id of the last event it handled as Last-Event-ID, so nothing that happened meanwhile is lost;
// while it is away, `liveStatus` says "reconnecting" and the app shows a banner. The last id is also
// kept across page loads, so a reload resumes instead of replaying everything.
import { createStore } from "../lib/store";
import { accessToken } from "../api/session";
import { SseParser } from "./sse";

export type LiveStatus = "off" | "connecting" | "live" | "reconnecting";

export interface LiveEvent {
  id: number;
  kind: string;
  order_id: string;
  store_id: string;
  status?: string;
  previous_status?: string;
  reason?: string | null;
  message?: string;
  total_amount?: number;
  lines?: { name: string; quantity: number; unit_price: number }[];
  occurred_at?: string;
  created_at: string;
}

export const liveStatus = createStore<LiveStatus>("off");

type Listener = (event: LiveEvent) => void;
const listeners = new Set<Listener>();

/** Call `listener` for every live event until the returned function is called. */
export function onLiveEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const MAX_BACKOFF_MS = 10_000;

function positionKey(userId: string): string {
  return `matjip.live.${userId}`;
}

function savedPosition(userId: string): number {
  try {
    return Number(localStorage.getItem(positionKey(userId)) ?? "0") || 0;
  } catch {
    return 0;
  }
}

export interface StreamOptions {
  url?: string;
  fetchFn?: typeof fetch;
  token?: () => Promise<string | null>;
}

/** One live connection for one user; `stop()` ends it for good. */
export class LiveStream {
  private controller: AbortController | null = null;
  private stopped = false;
  private lastId: number;
  private backoff = 1_000;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly url: string;
  private readonly fetchFn: typeof fetch;
  private readonly token: () => Promise<string | null>;

  constructor(
    private readonly userId: string,
    options: StreamOptions = {},
  ) {
    this.url = options.url ?? "/api/notification/stream";
    this.fetchFn = options.fetchFn ?? ((...args) => fetch(...args));
    this.token = options.token ?? accessToken;
    this.lastId = savedPosition(userId);
    window.addEventListener("offline", this.goneOffline);
    window.addEventListener("online", this.backOnline);
  }

  start(): void {
    liveStatus.set("connecting");
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.controller?.abort();
    window.removeEventListener("offline", this.goneOffline);
    window.removeEventListener("online", this.backOnline);
    liveStatus.set("off");
  }

  /** The id of the last event handled. */
  get position(): number {
    return this.lastId;
  }

  private readonly goneOffline = (): void => {
    // The connection is gone with the network; say so now rather than when a read times out.
    this.controller?.abort();
    if (!this.stopped) liveStatus.set("reconnecting");
  };

  private readonly backOnline = (): void => {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.backoff = 1_000;
    void this.connect();
  };

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    try {
      const token = await this.token();
      if (!token) {
        this.stop(); // signed out
        return;
      }
      const headers: Record<string, string> = { Accept: "text/event-stream", Authorization: `Bearer ${token}` };
      if (this.lastId > 0) headers["Last-Event-ID"] = String(this.lastId);
      const response = await this.fetchFn(this.url, { headers, signal: controller.signal, cache: "no-store" });
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      liveStatus.set("live");
      this.backoff = 1_000;
      await this.read(response.body, controller.signal);
      throw new Error("stream ended");
    } catch {
      if (controller.signal.aborted && controller !== this.controller) return; // replaced by a newer connection
      this.retryLater();
    }
  }

  private retryLater(): void {
    if (this.stopped) return;
    liveStatus.set("reconnecting");
    clearTimeout(this.retryTimer);
    if (typeof navigator !== "undefined" && navigator.onLine === false) return; // `online` reconnects
    this.retryTimer = setTimeout(() => void this.connect(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
  }

  private async read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const frame of parser.feed(decoder.decode(value, { stream: true }))) {
        if (frame.retry !== undefined) this.backoff = Math.max(frame.retry, 500);
        if (!frame.data) continue;
        this.handle(Number(frame.id), frame.data);
      }
    }
  }

  private handle(id: number, data: string): void {
    if (!Number.isFinite(id) || id <= this.lastId) return; // already handled
    let event: LiveEvent;
    try {
      event = JSON.parse(data) as LiveEvent;
    } catch {
      return;
    }
    this.lastId = id;
    try {
      localStorage.setItem(positionKey(this.userId), String(id));
    } catch {
      // the position then lives as long as the page
    }
    for (const listener of Array.from(listeners)) listener(event);
  }
}
