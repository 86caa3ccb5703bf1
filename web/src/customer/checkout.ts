// Checkout that never orders twice. The Idempotency-Key belongs to the cart's contents: a double tap, or a
// retry after the connection dropped before the answer came, sends the same key (kept in sessionStorage,
// so even a reload keeps it), and the order service answers with the order it already made. A change to
// the cart makes a new key.
import { api, ok } from "../api/http";
import type { Cart, PlacedOrder } from "../api/types";

const STORAGE_KEY = "matjip.checkout";

interface Remembered {
  cart: string;
  key: string;
}

export function cartFingerprint(cart: Pick<Cart, "store_id" | "lines">): string {
  const lines = cart.lines
    .map((line) => `${line.menu_item_id}x${line.quantity}+${[...line.option_ids].sort().join(",")}`)
    .sort();
  return `${cart.store_id ?? ""}|${lines.join("|")}`;
}

function newKey(): string {
  return crypto.randomUUID().replace(/-/g, "");
}

function remembered(): Remembered | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Remembered) : null;
  } catch {
    return null;
  }
}

/** The Idempotency-Key of checking out this cart (the same for the same contents). */
export function checkoutKey(cart: Pick<Cart, "store_id" | "lines">): string {
  const fingerprint = cartFingerprint(cart);
  const known = remembered();
  if (known?.cart === fingerprint) return known.key;
  const key = newKey();
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ cart: fingerprint, key } satisfies Remembered));
  } catch {
    // the key then lives in memory only, for this checkout
  }
  return key;
}

export function forgetCheckoutKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing was kept
  }
}

const inFlight = new Map<string, Promise<PlacedOrder>>();

/** Order the cart. Calls with the same key while one is under way share its answer. */
export function placeOrder(key: string): Promise<PlacedOrder> {
  let pending = inFlight.get(key);
  if (!pending) {
    pending = ok(api.order.POST("/api/order/orders", { params: { header: { "Idempotency-Key": key } } })).then(
      (order) => {
        forgetCheckoutKey();
        return order;
      },
    );
    inFlight.set(key, pending);
    void pending.catch(() => undefined).finally(() => inFlight.delete(key));
  }
  return pending;
}
