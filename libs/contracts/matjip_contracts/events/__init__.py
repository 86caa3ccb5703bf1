"""Every event payload, importable from one place."""

from matjip_contracts.events.auth import UserRegistered
from matjip_contracts.events.base import Event
from matjip_contracts.events.common import OrderLine, OrderStatus, Role, StockLine
from matjip_contracts.events.order import OrderPlaced, OrderStatusChanged
from matjip_contracts.events.payment import (
    AuthorizePayment,
    PaymentAuthorized,
    PaymentFailed,
    PaymentRefunded,
    RefundPayment,
)
from matjip_contracts.events.store import (
    MenuItemOption,
    MenuItemUpdated,
    OpeningHours,
    OrderAcceptedByStore,
    OrderProgressedAtStore,
    OrderRejectedByStore,
    ReleaseStock,
    RequestStoreAcceptance,
    ReserveStock,
    ReviewPosted,
    StockReservationRejected,
    StockReserved,
    StoreUpdated,
)

__all__ = [
    "AuthorizePayment",
    "Event",
    "MenuItemOption",
    "MenuItemUpdated",
    "OpeningHours",
    "OrderAcceptedByStore",
    "OrderLine",
    "OrderPlaced",
    "OrderProgressedAtStore",
    "OrderRejectedByStore",
    "OrderStatus",
    "OrderStatusChanged",
    "PaymentAuthorized",
    "PaymentFailed",
    "PaymentRefunded",
    "RefundPayment",
    "ReleaseStock",
    "RequestStoreAcceptance",
    "ReserveStock",
    "ReviewPosted",
    "Role",
    "StockLine",
    "StockReservationRejected",
    "StockReserved",
    "StoreUpdated",
    "UserRegistered",
]
