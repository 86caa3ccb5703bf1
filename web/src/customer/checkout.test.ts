import { beforeEach, describe, expect, it } from "vitest";

import { cartFingerprint, checkoutKey, forgetCheckoutKey } from "./checkout";

const line = (id: string, quantity: number, options: string[] = []) => ({
  menu_item_id: id,
  name: id,
  quantity,
  option_ids: options,
  unit_price: 1000,
  line_total: 1000 * quantity,
  problem: null,
});

describe("the checkout's Idempotency-Key", () => {
  beforeEach(() => sessionStorage.clear());

  it("is the same for the same cart, so a double tap or a retry orders once", () => {
    const cart = { store_id: "s1", lines: [line("a", 1), line("b", 2, ["x", "y"])] };
    const first = checkoutKey(cart);
    expect(first).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
    const reordered = { store_id: "s1", lines: [line("b", 2, ["y", "x"]), line("a", 1)] };
    expect(checkoutKey(reordered)).toBe(first);
  });

  it("changes when the cart changes or after an order was placed", () => {
    const cart = { store_id: "s1", lines: [line("a", 1)] };
    const first = checkoutKey(cart);
    expect(checkoutKey({ store_id: "s1", lines: [line("a", 2)] })).not.toBe(first);
    const second = checkoutKey(cart);
    forgetCheckoutKey();
    expect(checkoutKey(cart)).not.toBe(second);
  });

  it("fingerprints store, dishes, quantities and options", () => {
    expect(cartFingerprint({ store_id: "s", lines: [line("a", 1, ["o"])] })).toBe("s|ax1+o");
  });
});
