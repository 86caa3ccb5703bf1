"""Carts in Redis: one hash per customer (`store_id` plus one field per menu item), expiring when idle.

Changes run as Lua scripts so that "one store per cart" holds even when two requests race.
"""

import json
from uuid import UUID

from redis.asyncio import Redis

from matjip_order.domain.cart import Cart
from matjip_order.domain.menu import RequestedLine

_STORE_FIELD = "store_id"
_ITEM_PREFIX = "item:"

# Returns the cart's other store id when the item belongs elsewhere and replacing was not asked for.
_PUT_ITEM = """
local current = redis.call('HGET', KEYS[1], 'store_id')
if current and current ~= ARGV[1] then
  if ARGV[4] ~= '1' then return current end
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'store_id', ARGV[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return false
"""

# Returns 1 when the item was in the cart. The last item leaving takes the cart (and its store) along.
_REMOVE_ITEM = """
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) <= 1 then
  redis.call('DEL', KEYS[1])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return removed
"""


def cart_key(customer_id: UUID) -> str:
    return f"order:cart:{customer_id}"


class CartStore:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    async def load(self, customer_id: UUID) -> Cart | None:
        # The runtime's client decodes responses, so names and values are str.
        fields = {str(k): str(v) for k, v in (await self.redis.hgetall(cart_key(customer_id))).items()}
        if _STORE_FIELD not in fields:
            return None
        items = []
        for name, raw in sorted(fields.items()):
            if name.startswith(_ITEM_PREFIX):
                value = json.loads(raw)
                items.append(
                    RequestedLine(
                        menu_item_id=UUID(name.removeprefix(_ITEM_PREFIX)),
                        quantity=int(value["quantity"]),
                        option_ids=tuple(UUID(o) for o in value["option_ids"]),
                    )
                )
        return Cart(store_id=UUID(fields[_STORE_FIELD]), items=tuple(items)) if items else None

    async def put_item(self, customer_id: UUID, store_id: UUID, line: RequestedLine, *, replace: bool) -> UUID | None:
        """Set the line for this menu item; returns the cart's other store instead when it holds one
        (and `replace` is false), leaving the cart untouched."""
        value = json.dumps({"quantity": line.quantity, "option_ids": [str(o) for o in line.option_ids]})
        other = await self.redis.eval(
            _PUT_ITEM,
            1,
            cart_key(customer_id),
            str(store_id),
            f"{_ITEM_PREFIX}{line.menu_item_id}",
            value,
            "1" if replace else "0",
            str(self.ttl_seconds),
        )
        return UUID(other) if other else None

    async def remove_item(self, customer_id: UUID, menu_item_id: UUID) -> bool:
        removed = await self.redis.eval(
            _REMOVE_ITEM, 1, cart_key(customer_id), f"{_ITEM_PREFIX}{menu_item_id}", str(self.ttl_seconds)
        )
        return bool(removed)

    async def clear(self, customer_id: UUID) -> None:
        await self.redis.delete(cart_key(customer_id))
