// The owner's live order inbox. A new order arrives over the notification stream within a second or two,
// with a sound, a highlighted card, an announcement and a count in the tab's title. The owner accepts it
// with a preparation time or rejects it with a reason, then moves it along: preparing, ready, handed over.
// An order the store did not answer in time (the store service expires it at its deadline: EXPIRED) or that
// the customer cancelled leaves the new orders with the reason.
import { useEffect, useState } from "preact/hooks";

import { api, ok } from "../api/http";
import type { InboxEntry, InboxStatus, StoreOut } from "../api/types";
import { useT, type MessageKey, type Translator } from "../i18n";
import { useLoad } from "../lib/load";
import { orderNumber } from "../lib/orders";
import { onLiveEvent, type LiveEvent } from "../live/stream";
import { ErrorMessage, Loader, Notice } from "../ui/feedback";
import { titleBadge } from "../ui/shell";
import { chime } from "./chime";
import { DaySalesPanel } from "./sales";

const ACTIVE: InboxStatus[] = ["PENDING", "ACCEPTED", "PREPARING", "READY"];
const DONE: InboxStatus[] = ["PICKED_UP", "DELIVERED", "REJECTED", "EXPIRED", "WITHDRAWN"];

// Every status the store service can answer with has its words (a new one fails the type check here).
const STATUS_LABEL: Record<InboxStatus, MessageKey> = {
  PENDING: "inboxStatus.PENDING",
  ACCEPTED: "inboxStatus.ACCEPTED",
  PREPARING: "inboxStatus.PREPARING",
  READY: "inboxStatus.READY",
  PICKED_UP: "inboxStatus.PICKED_UP",
  DELIVERED: "inboxStatus.DELIVERED",
  REJECTED: "inboxStatus.REJECTED",
  EXPIRED: "inboxStatus.EXPIRED",
  WITHDRAWN: "inboxStatus.WITHDRAWN",
};

/** Why a finished order ended, in words: the owner's own reason, or the deadline that passed. */
function endReason(entry: InboxEntry, t: Translator): string | null {
  if (entry.status === "EXPIRED") return t("inbox.expiredReason");
  if (entry.status === "REJECTED" && entry.reject_reason) {
    return entry.reject_reason === "store_not_found" ? t("problem.store_not_found") : entry.reject_reason;
  }
  return null;
}

type DepartureKey = "inbox.timedOut" | "inbox.customerCancelled" | "inbox.cancelled";

interface Departure {
  orderId: string;
  why: DepartureKey;
}

interface Announcement {
  key: DepartureKey | "inbox.newOrder";
  orderId: string;
}

function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function Countdown({ until }: { until: string }) {
  const t = useT();
  const left = Math.max(0, Math.round((new Date(until).getTime() - useNow()) / 1000));
  if (left === 0) {
    // The store service expires the order at its deadline; the card leaves when that news arrives.
    return (
      <span class="badge badge--closed" aria-live="off">
        {t("inbox.overdue")}
      </span>
    );
  }
  return (
    <span class="badge" aria-live="off">
      {t("inbox.answerWithin", { minutes: Math.floor(left / 60), seconds: String(left % 60).padStart(2, "0") })}
    </span>
  );
}

function Lines({ entry }: { entry: InboxEntry }) {
  const t = useT();
  return (
    <ul>
      {entry.lines.map((line) => (
        <li key={line.menu_item_id}>
          {line.name} × {line.quantity} <span class="meta">{t.won(line.unit_price * line.quantity)}</span>
        </li>
      ))}
    </ul>
  );
}

function PendingCard({
  entry,
  fresh,
  defaultMinutes,
  onAct,
}: {
  entry: InboxEntry;
  fresh: boolean;
  defaultMinutes: number;
  onAct: (entry: InboxEntry, step: string, body?: object) => Promise<void>;
}) {
  const t = useT();
  const [minutes, setMinutes] = useState(String(defaultMinutes));
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<string | undefined>(undefined);
  const number = orderNumber(entry.order_id);

  const accept = () => {
    const n = Number(minutes);
    if (!/^\d+$/.test(minutes.trim()) || n < 1 || n > 240) {
      setInvalid(t("inbox.minutesRange"));
      return;
    }
    void onAct(entry, "accept", { prep_minutes: n });
  };
  const reject = () => {
    if (!reason.trim()) {
      setInvalid(t("inbox.reasonRequired"));
      return;
    }
    void onAct(entry, "reject", { reason: reason.trim() });
  };

  return (
    <li class={fresh ? "card card--alert" : "card"} data-testid="inbox-order" data-order-id={entry.order_id} data-status={entry.status}>
      <div class="card__title">
        <h3>{number}</h3>
        <Countdown until={entry.accept_by} />
      </div>
      <Lines entry={entry} />
      <p class="price">{t.won(entry.total_amount)}</p>
      <p class="meta">{t("inbox.received", { time: t.time(entry.received_at) })}</p>
      {!rejecting ? (
        <div class="form">
          <div class="field">
            <label for={`minutes-${entry.order_id}`}>{t("inbox.prepMinutes")}</label>
            <input
              id={`minutes-${entry.order_id}`}
              inputMode="numeric"
              value={minutes}
              aria-invalid={Boolean(invalid)}
              onInput={(event) => setMinutes(event.currentTarget.value)}
            />
            <div class="buttons">
              {[10, 20, 30, 45].map((n) => (
                <button key={n} type="button" class="button button--small" onClick={() => setMinutes(String(n))}>
                  {t("inbox.minutes", { minutes: n })}
                </button>
              ))}
            </div>
          </div>
          {invalid && <p class="field__error">{invalid}</p>}
          <div class="buttons">
            <button type="button" class="button button--primary" onClick={accept}>
              {t("inbox.accept", { number })}
            </button>
            <button type="button" class="button button--danger" onClick={() => setRejecting(true)}>
              {t("inbox.reject")}
            </button>
          </div>
        </div>
      ) : (
        <div class="form">
          <div class="field">
            <label for={`reason-${entry.order_id}`}>{t("inbox.reason")}</label>
            <input
              id={`reason-${entry.order_id}`}
              list={`reasons-${entry.order_id}`}
              maxLength={500}
              value={reason}
              aria-invalid={Boolean(invalid)}
              onInput={(event) => setReason(event.currentTarget.value)}
            />
            <datalist id={`reasons-${entry.order_id}`}>
              {(["inbox.reasonBusy", "inbox.reasonSoldOut", "inbox.reasonClosing"] as const).map((key) => (
                <option key={key} value={t(key)}>
                  {t(key)}
                </option>
              ))}
            </datalist>
          </div>
          {invalid && <p class="field__error">{invalid}</p>}
          <div class="buttons">
            <button type="button" class="button button--danger" onClick={reject}>
              {t("inbox.rejectConfirm", { number })}
            </button>
            <button type="button" class="button" onClick={() => setRejecting(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </div>
      )}
    </li>
  );
}

const NEXT_STEP: Partial<Record<InboxStatus, { step: string; label: "inbox.preparing" | "inbox.ready" | "inbox.pickedUp" }>> = {
  ACCEPTED: { step: "preparing", label: "inbox.preparing" },
  PREPARING: { step: "ready", label: "inbox.ready" },
  READY: { step: "picked-up", label: "inbox.pickedUp" },
};

function ActiveCard({ entry, onAct }: { entry: InboxEntry; onAct: (entry: InboxEntry, step: string) => Promise<void> }) {
  const t = useT();
  const next = NEXT_STEP[entry.status];
  const number = orderNumber(entry.order_id);
  return (
    <li class="card" data-testid="inbox-order" data-order-id={entry.order_id} data-status={entry.status}>
      <div class="card__title">
        <h3>{number}</h3>
        <span class="badge">{t(STATUS_LABEL[entry.status])}</span>
      </div>
      <Lines entry={entry} />
      {entry.prep_minutes && <p class="meta">{t("tracker.prepMinutes", { minutes: entry.prep_minutes })}</p>}
      <div class="buttons">
        {next && (
          <button type="button" class="button button--primary" onClick={() => void onAct(entry, next.step)}>
            {t(next.label, { number })}
          </button>
        )}
        {entry.status === "READY" && (
          <button type="button" class="button" onClick={() => void onAct(entry, "delivered")}>
            {t("inbox.delivered", { number })}
          </button>
        )}
      </div>
    </li>
  );
}

function departureKey(event: LiveEvent): DepartureKey {
  if (event.reason === "store_timeout") return "inbox.timedOut";
  if (event.reason === "customer_cancelled") return "inbox.customerCancelled";
  return "inbox.cancelled";
}

export function Inbox({ store }: { store: StoreOut }) {
  const t = useT();
  const [error, setError] = useState<unknown>(undefined);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [departures, setDepartures] = useState<Departure[]>([]);
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);
  const [salesTick, setSalesTick] = useState(0);

  const list = (statuses: InboxStatus[], limit: number) =>
    ok(
      api.store.GET("/api/store/stores/{store_id}/orders", {
        params: { path: { store_id: store.id }, query: { status: statuses, limit } },
      }),
    );
  const active = useLoad(() => list(ACTIVE, 100), [store.id]);
  const done = useLoad(() => list(DONE, 10), [store.id]);
  const reloadActive = active.reload;
  const reloadDone = done.reload;
  const pending = (active.data?.items ?? []).filter((e) => e.status === "PENDING");

  useEffect(() => {
    titleBadge.set(pending.length);
  }, [pending.length]);
  useEffect(() => () => titleBadge.set(0), []);

  useEffect(
    () =>
      onLiveEvent((event) => {
        if (event.store_id !== store.id) return;
        if (event.kind === "store.order-awaiting-acceptance") {
          setFresh((known) => new Set(known).add(event.order_id));
          setAnnouncement({ key: "inbox.newOrder", orderId: event.order_id });
          chime();
        } else if (event.kind === "store.order-cancelled" && event.reason !== "store_rejected") {
          // (An order the owner rejected left by their own hand: the finished list says so.)
          const why = departureKey(event);
          setDepartures((shown) =>
            [{ orderId: event.order_id, why }, ...shown.filter((d) => d.orderId !== event.order_id)].slice(0, 5),
          );
          setAnnouncement({ key: why, orderId: event.order_id });
        }
        void reloadActive();
        void reloadDone();
        setSalesTick((n) => n + 1);
      }),
    [store.id, reloadActive, reloadDone],
  );

  const act = async (entry: InboxEntry, step: string, body?: object) => {
    setError(undefined);
    try {
      const path = { store_id: store.id, order_id: entry.order_id };
      switch (step) {
        case "accept":
          await ok(api.store.POST("/api/store/stores/{store_id}/orders/{order_id}/accept", { params: { path }, body: body as { prep_minutes: number } }));
          break;
        case "reject":
          await ok(api.store.POST("/api/store/stores/{store_id}/orders/{order_id}/reject", { params: { path }, body: body as { reason: string } }));
          break;
        case "preparing":
          await ok(api.store.POST("/api/store/stores/{store_id}/orders/{order_id}/preparing", { params: { path } }));
          break;
        case "ready":
          await ok(api.store.POST("/api/store/stores/{store_id}/orders/{order_id}/ready", { params: { path } }));
          break;
        case "picked-up":
          await ok(api.store.POST("/api/store/stores/{store_id}/orders/{order_id}/picked-up", { params: { path } }));
          break;
        case "delivered":
          await ok(api.store.POST("/api/store/stores/{store_id}/orders/{order_id}/delivered", { params: { path } }));
          break;
      }
      setFresh((known) => {
        const next = new Set(known);
        next.delete(entry.order_id);
        return next;
      });
    } catch (caught) {
      setError(caught);
    } finally {
      await Promise.all([reloadActive(), reloadDone()]);
      setSalesTick((n) => n + 1);
    }
  };

  const inKitchen = (active.data?.items ?? []).filter((e) => e.status !== "PENDING");
  return (
    <>
      <p class="visually-hidden" role="alert" data-testid="inbox-announcement">
        {announcement && t(announcement.key, { number: orderNumber(announcement.orderId) })}
      </p>
      <DaySalesPanel storeId={store.id} refresh={salesTick} />
      <ErrorMessage error={error} />
      {departures.map((d) => (
        <Notice key={d.orderId} kind="warning">
          <p data-testid="departure">{t(d.why, { number: orderNumber(d.orderId) })}</p>
        </Notice>
      ))}
      <div class="columns">
        <section aria-labelledby="new-orders">
          <h2 id="new-orders">{t("inbox.new", { count: pending.length })}</h2>
          <Loader loaded={active}>
            {() =>
              pending.length === 0 ? (
                <p class="empty">{t("inbox.noNew")}</p>
              ) : (
                <ul class="cards">
                  {pending.map((entry) => (
                    <PendingCard
                      key={entry.order_id}
                      entry={entry}
                      fresh={fresh.has(entry.order_id)}
                      defaultMinutes={store.auto_accept_prep_minutes}
                      onAct={act}
                    />
                  ))}
                </ul>
              )
            }
          </Loader>
        </section>
        <section aria-labelledby="kitchen">
          <h2 id="kitchen">{t("inbox.kitchen", { count: inKitchen.length })}</h2>
          {inKitchen.length === 0 ? (
            <p class="empty">{t("inbox.noKitchen")}</p>
          ) : (
            <ul class="cards">
              {inKitchen.map((entry) => (
                <ActiveCard key={entry.order_id} entry={entry} onAct={act} />
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="finished">
          <h2 id="finished">{t("inbox.done")}</h2>
          <Loader loaded={done}>
            {(page) => (
              <ul class="cards">
                {page.items.map((entry) => (
                  <li key={entry.order_id} class="card" data-testid="done-order" data-status={entry.status}>
                    <div class="card__title">
                      <h3>{orderNumber(entry.order_id)}</h3>
                      <span class="badge">{t(STATUS_LABEL[entry.status])}</span>
                    </div>
                    <p class="meta">
                      {t.won(entry.total_amount)} · {t.time(entry.updated_at)}
                    </p>
                    {endReason(entry, t) && <p class="meta">{endReason(entry, t)}</p>}
                  </li>
                ))}
              </ul>
            )}
          </Loader>
        </section>
      </div>
    </>
  );
}
