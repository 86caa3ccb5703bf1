"""The order service's refusals: each a type with a stable code, turned into problem+json at the edge."""

from matjip_platform.errors import Conflict, DomainError, Forbidden, NotFound


class Unprocessable(DomainError):
    """The request is well-formed but names something the order service cannot sell or accept."""

    status, code, title = 422, "unprocessable", "Unprocessable request"


class StoreNotFound(NotFound):
    code = "store_not_found"


class OrderNotFound(NotFound):
    code = "order_not_found"


class NotStoreOwner(Forbidden):
    code = "not_store_owner"


class UnknownStore(Unprocessable):
    code = "unknown_store"


class UnknownMenuItem(Unprocessable):
    code = "unknown_menu_item"


class UnknownOption(Unprocessable):
    code = "unknown_option"


class EmptyOrder(Unprocessable):
    code = "empty_order"


class FreeOrder(Unprocessable):
    """Payment authorizes only positive amounts, so an order must cost something."""

    code = "order_total_zero"


class OrderTooLarge(Unprocessable):
    """More than one order may cost (every service's columns and the gateway's limits fit it)."""

    code = "order_total_exceeded"


class ItemSoldOut(Conflict):
    code = "item_sold_out"


class StoreClosed(Conflict):
    code = "store_closed"


class CartStoreMismatch(Conflict):
    code = "cart_store_mismatch"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"


class InvalidCursor(Unprocessable):
    code = "invalid_cursor"


class OrderNotCancellable(Conflict):
    code = "order_not_cancellable"


class IllegalTransition(Conflict):
    """A bug or a message the saga should have ignored: the state machine refused the move."""

    code = "illegal_order_transition"
