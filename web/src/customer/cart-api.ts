// The cart's calls: one line per dish; a quantity of 0 removes it.
import { api, ok } from "../api/http";
import type { Cart } from "../api/types";

export async function putCartItem(itemId: string, quantity: number, optionIds: string[], replace = false): Promise<Cart> {
  if (quantity <= 0) {
    return ok(api.order.DELETE("/api/order/cart/items/{menu_item_id}", { params: { path: { menu_item_id: itemId } } }));
  }
  return ok(
    api.order.PUT("/api/order/cart/items/{menu_item_id}", {
      params: { path: { menu_item_id: itemId }, query: { replace } },
      body: { quantity, option_ids: optionIds },
    }),
  );
}
