"""Stores and their opening windows."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Time,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_platform.sql import is_any_of
from matjip_store.domain.area import EARTH_RADIUS_M, DeliveryArea
from matjip_store.domain.hours import OpeningWindow
from matjip_store.domain.store import Store
from matjip_store.repository.tables import opening_windows, stores


@dataclass(frozen=True)
class StoreFilter:
    owner_id: UUID | None = None
    open_at: datetime | None = None  # only stores whose hours include this instant (and that take orders)
    delivers_to: tuple[float, float] | None = None  # (lat, lng) inside the delivery area
    name_contains: str | None = None  # case-insensitive, anywhere in the name


def _store(row: Any, hours: Sequence[OpeningWindow]) -> Store:
    return Store(
        store_id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        description=row.description,
        address=row.address,
        timezone=row.timezone,
        opening_hours=tuple(sorted(hours)),
        delivery_area=DeliveryArea(row.delivery_lat, row.delivery_lng, row.delivery_radius_m),
        accepting_orders=row.accepting_orders,
        auto_accept=row.auto_accept,
        auto_accept_prep_minutes=row.auto_accept_prep_minutes,
        revision=row.revision,
        rating_count=row.rating_count,
        rating_total=row.rating_total,
    )


def _columns(store: Store) -> dict[str, Any]:
    return {
        "owner_id": store.owner_id,
        "name": store.name,
        "description": store.description,
        "address": store.address,
        "timezone": store.timezone,
        "delivery_lat": store.delivery_area.lat,
        "delivery_lng": store.delivery_area.lng,
        "delivery_radius_m": store.delivery_area.radius_m,
        "accepting_orders": store.accepting_orders,
        "auto_accept": store.auto_accept,
        "auto_accept_prep_minutes": store.auto_accept_prep_minutes,
        "revision": store.revision,
    }


# Built once (the reservation of every order reads the store): no construction or cache key per call.
_HOURS_OF = select(opening_windows).where(is_any_of(opening_windows.c.store_id, "store_ids"))
_FETCH_STORE = select(stores).where(stores.c.id == bindparam("store_id"))
_LOCK_STORE = _FETCH_STORE.with_for_update()


async def _hours_of(conn: AsyncConnection, store_ids: Sequence[UUID]) -> dict[UUID, list[OpeningWindow]]:
    hours: dict[UUID, list[OpeningWindow]] = defaultdict(list)
    if store_ids:
        rows = await conn.execute(_HOURS_OF, {"store_ids": list(store_ids)})
        for row in rows:
            hours[row.store_id].append(OpeningWindow(row.weekday, row.opens, row.closes))
    return hours


async def fetch_store(conn: AsyncConnection, store_id: UUID, *, for_update: bool = False) -> Store | None:
    """The store; `for_update` locks its row until the transaction ends (every change to the store or
    its menu takes this lock, so events keyed by the store leave in commit order)."""
    row = (await conn.execute(_LOCK_STORE if for_update else _FETCH_STORE, {"store_id": store_id})).first()
    if row is None:
        return None
    return _store(row, (await _hours_of(conn, [store_id]))[store_id])


async def insert_store(conn: AsyncConnection, store: Store) -> None:
    await conn.execute(insert(stores).values(id=store.store_id, **_columns(store)))
    await _write_hours(conn, store)


async def save_store(conn: AsyncConnection, store: Store) -> None:
    await conn.execute(
        update(stores).where(stores.c.id == store.store_id).values(**_columns(store), updated_at=func.now())
    )
    await conn.execute(delete(opening_windows).where(opening_windows.c.store_id == store.store_id))
    await _write_hours(conn, store)


async def _write_hours(conn: AsyncConnection, store: Store) -> None:
    if store.opening_hours:
        await conn.execute(
            insert(opening_windows),
            [
                {"store_id": store.store_id, "weekday": w.weekday, "opens": w.opens, "closes": w.closes}
                for w in store.opening_hours
            ],
        )


async def add_rating(conn: AsyncConnection, store_id: UUID, rating: int) -> None:
    await conn.execute(
        update(stores)
        .where(stores.c.id == store_id)
        .values(rating_count=stores.c.rating_count + 1, rating_total=stores.c.rating_total + rating)
    )


def open_at_clause(instant: datetime) -> ColumnElement[bool]:
    """SQL twin of `domain.hours.accepts_orders_at`, so "open now" can filter and paginate in the database.
    Kept identical by a test that compares both on the same stores and instants."""
    w = opening_windows
    local = func.timezone(stores.c.timezone, literal(instant, DateTime(timezone=True)))
    weekday = cast(extract("isodow", local), Integer) - 1  # ISO Monday=1 -> the domain's Monday=0
    at = cast(local, Time)
    passes_midnight = w.c.closes <= w.c.opens
    inside = or_(
        and_(w.c.weekday == weekday, w.c.opens <= at, or_(passes_midnight, at < w.c.closes)),
        and_(passes_midnight, w.c.weekday == (weekday + 6) % 7, at < w.c.closes),
    )
    return and_(stores.c.accepting_orders, exists().where(w.c.store_id == stores.c.id, inside))


def delivers_to_clause(lat: float, lng: float) -> ColumnElement[bool]:
    """SQL twin of `DeliveryArea.covers` (haversine)."""
    phi1, phi2 = func.radians(stores.c.delivery_lat), func.radians(literal(lat))
    d_phi = func.radians(literal(lat) - stores.c.delivery_lat)
    d_lambda = func.radians(literal(lng) - stores.c.delivery_lng)
    h = func.power(func.sin(d_phi / 2), 2) + func.cos(phi1) * func.cos(phi2) * func.power(func.sin(d_lambda / 2), 2)
    distance = 2 * EARTH_RADIUS_M * func.asin(func.least(1.0, func.sqrt(h)))
    return distance <= stores.c.delivery_radius_m


async def list_stores(conn: AsyncConnection, where: StoreFilter, *, limit: int, offset: int) -> tuple[list[Store], int]:
    conditions: list[ColumnElement[bool]] = []
    if where.owner_id is not None:
        conditions.append(stores.c.owner_id == where.owner_id)
    if where.open_at is not None:
        conditions.append(open_at_clause(where.open_at))
    if where.delivers_to is not None:
        conditions.append(delivers_to_clause(*where.delivers_to))
    if where.name_contains:
        conditions.append(stores.c.name.icontains(where.name_contains, autoescape=True))
    total = await conn.scalar(select(func.count()).select_from(stores).where(*conditions))
    rows = (
        await conn.execute(
            select(stores).where(*conditions).order_by(stores.c.created_at, stores.c.id).limit(limit).offset(offset)
        )
    ).all()
    hours = await _hours_of(conn, [row.id for row in rows])
    return [_store(row, hours[row.id]) for row in rows], int(total or 0)
