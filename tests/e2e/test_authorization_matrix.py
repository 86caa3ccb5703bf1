"""The authorization matrix: every operation of every service's OpenAPI document, tried as six actors.

The actors: no token at all, a customer (who has orders, a cart, addresses and a completed order to review),
another customer, the store's owner, the owner of another store, and the admin. MATRIX below is the table:
one row per operation with the status each actor must get, and the rule that explains it (RULES). Every
(operation, actor) pair is its own test; a refusal must be `application/problem+json` with the rule's
`code`, and a refused change must leave the resource as it was (read before and after the attempt).

`test_the_matrix_covers_every_operation` reads the OpenAPI documents through the edge: an operation without
a row (or a row without an operation) fails it, so a new endpoint cannot ship without its authorization
decided here. The sandbox PG behind the local edge (/api/sandbox-pg) is no service of the platform: it is
the fake payment gateway the local stack and the tests run as a process of its own (tools/sandbox-pg),
in no image or cluster, documented as unauthenticated there.

Calls that change state are safe to repeat: what an allowed call consumes (an address, a category, a menu
item, a session, an order in the state the step needs) is made for it, or taken over from an earlier call
that left it in that state; refused attempts are made on the world's own resources.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from e2e_support import (
    ALWAYS_OPEN,
    STORE_ACCEPT_TIMEOUT_SECONDS,
    Person,
    Platform,
    add_dish,
    admin,
    eventually,
    expect,
    log_in,
    open_store,
    owner_moves,
    place_order,
    sign_up,
    unique_email,
    wait_for_status,
    wait_until_order_can_sell,
)

ACTORS = ("anonymous", "customer", "other_customer", "owner", "other_owner", "admin")
SERVICES = ("auth", "user", "store", "order", "payment", "notification", "ai")

# --- who may do what -------------------------------------------------------------------------------------

ROLE = "role_required"
NO_TOKEN = {"anonymous": "missing_token"}


@dataclass(frozen=True)
class Rule:
    who: str
    codes: Mapping[str, str]  # each refused actor -> the problem `code` they are told


def _refusing(**codes: str) -> dict[str, str]:
    return {**NO_TOKEN, **codes}


NON_CUSTOMERS = {"owner": ROLE, "other_owner": ROLE, "admin": ROLE}
NON_ADMINS = {"customer": ROLE, "other_customer": ROLE, "owner": ROLE, "other_owner": ROLE}

RULES: dict[str, Rule] = {
    "public": Rule("anyone, with or without a token", {}),
    "self": Rule("any signed-in user, on their own account: the user id comes from the token", NO_TOKEN),
    "admin": Rule("ADMIN only; every other role 403 role_required", _refusing(**NON_ADMINS)),
    "opener": Rule(
        "an OWNER (the store is theirs) or an ADMIN (naming the owner); a CUSTOMER 403 role_required",
        _refusing(customer=ROLE, other_customer=ROLE),
    ),
    "manager": Rule(
        "the store's OWNER or an ADMIN; a CUSTOMER fails the role check (403 role_required), another "
        "store's owner the ownership check (403 not_store_owner)",
        _refusing(customer=ROLE, other_customer=ROLE, other_owner="not_store_owner"),
    ),
    "customer": Rule(
        "CUSTOMER only, on their own cart, orders and recommendations; OWNER and ADMIN 403 role_required",
        _refusing(**NON_CUSTOMERS),
    ),
    "address": Rule(
        "the customer whose address it is; anyone else 404 address_not_found, as if it did not exist (an "
        "ADMIN reads address books through /api/user/users/{user_id}, never changes them)",
        _refusing(
            other_customer="address_not_found",
            owner="address_not_found",
            other_owner="address_not_found",
            admin="address_not_found",
        ),
    ),
    "reviewer": Rule(
        "the CUSTOMER who completed the order at this store, once; another customer 403 review_not_allowed "
        "(the same answer for unknown, not completed and not theirs); OWNER and ADMIN 403 role_required",
        _refusing(other_customer="review_not_allowed", **NON_CUSTOMERS),
    ),
    "order-reader": Rule(
        "the order's customer, its store's owner, an ADMIN; anyone else 404 order_not_found (ids are not "
        "probed)",
        _refusing(other_customer="order_not_found", other_owner="order_not_found"),
    ),
    "order-customer": Rule(
        "the order's customer only (it is their cancellation); anyone else, the store's owner and the "
        "ADMIN included, 404 order_not_found",
        _refusing(
            other_customer="order_not_found",
            owner="order_not_found",
            other_owner="order_not_found",
            admin="order_not_found",
        ),
    ),
    "payer": Rule(
        "the order's customer or an ADMIN; anyone else (the store's owner included) 404 payment_not_found",
        _refusing(other_customer="payment_not_found", owner="payment_not_found", other_owner="payment_not_found"),
    ),
}

# The path's ids are the world's: {store_id} the owner's store, {order_id} the customer's completed order
# (or an order made for the call where the row's operation needs one in a given state), {address_id} one of
# the customer's addresses, {user_id} the customer, {category_id} / {item_id} / {menu_item_id} the store's.
MATRIX_TABLE = """
method path                                                           anon cust cust2 owner owner2 admin rule
POST   /api/auth/signup                                               201  201  201   201   201    201   public
POST   /api/auth/login                                                200  200  200   200   200    200   public
POST   /api/auth/refresh                                              200  200  200   200   200    200   public
POST   /api/auth/logout                                               401  204  204   204   204    204   self
POST   /api/auth/logout-everywhere                                    401  204  204   204   204    204   self
GET    /api/auth/me                                                   401  200  200   200   200    200   self
GET    /api/auth/.well-known/jwks.json                                200  200  200   200   200    200   public
POST   /api/auth/admin/keys/rotate                                    401  403  403   403   403    200   admin
GET    /api/user/me                                                   401  200  200   200   200    200   self
PATCH  /api/user/me                                                   401  200  200   200   200    200   self
GET    /api/user/me/addresses                                         401  200  200   200   200    200   self
POST   /api/user/me/addresses                                         401  201  201   201   201    201   self
PATCH  /api/user/me/addresses/{address_id}                            401  200  404   404   404    404   address
DELETE /api/user/me/addresses/{address_id}                            401  204  404   404   404    404   address
POST   /api/user/me/addresses/{address_id}/default                    401  200  404   404   404    404   address
GET    /api/user/users/{user_id}                                      401  403  403   403   403    200   admin
GET    /api/store/stores                                              200  200  200   200   200    200   public
POST   /api/store/stores                                              401  403  403   201   201    201   opener
GET    /api/store/stores/{store_id}                                   200  200  200   200   200    200   public
PATCH  /api/store/stores/{store_id}                                   401  403  403   200   403    200   manager
PUT    /api/store/stores/{store_id}/opening-hours                     401  403  403   200   403    200   manager
GET    /api/store/stores/{store_id}/menu                              200  200  200   200   200    200   public
GET    /api/store/stores/{store_id}/categories                        200  200  200   200   200    200   public
POST   /api/store/stores/{store_id}/categories                        401  403  403   201   403    201   manager
PATCH  /api/store/stores/{store_id}/categories/{category_id}          401  403  403   200   403    200   manager
DELETE /api/store/stores/{store_id}/categories/{category_id}          401  403  403   204   403    204   manager
POST   /api/store/stores/{store_id}/menu-items                        401  403  403   201   403    201   manager
GET    /api/store/stores/{store_id}/menu-items/{item_id}              200  200  200   200   200    200   public
PATCH  /api/store/stores/{store_id}/menu-items/{item_id}              401  403  403   200   403    200   manager
DELETE /api/store/stores/{store_id}/menu-items/{item_id}              401  403  403   204   403    204   manager
PUT    /api/store/stores/{store_id}/menu-items/{item_id}/stock        401  403  403   200   403    200   manager
GET    /api/store/stores/{store_id}/orders                            401  403  403   200   403    200   manager
GET    /api/store/stores/{store_id}/orders/{order_id}                 401  403  403   200   403    200   manager
POST   /api/store/stores/{store_id}/orders/{order_id}/accept          401  403  403   200   403    200   manager
POST   /api/store/stores/{store_id}/orders/{order_id}/reject          401  403  403   200   403    200   manager
POST   /api/store/stores/{store_id}/orders/{order_id}/preparing       401  403  403   200   403    200   manager
POST   /api/store/stores/{store_id}/orders/{order_id}/ready           401  403  403   200   403    200   manager
POST   /api/store/stores/{store_id}/orders/{order_id}/picked-up       401  403  403   200   403    200   manager
POST   /api/store/stores/{store_id}/orders/{order_id}/delivered       401  403  403   200   403    200   manager
GET    /api/store/stores/{store_id}/reviews                           200  200  200   200   200    200   public
POST   /api/store/stores/{store_id}/reviews                           401  201  403   403   403    403   reviewer
GET    /api/order/stores/{store_id}/menu                              200  200  200   200   200    200   public
GET    /api/order/cart                                                401  200  200   403   403    403   customer
DELETE /api/order/cart                                                401  204  204   403   403    403   customer
PUT    /api/order/cart/items/{menu_item_id}                           401  200  200   403   403    403   customer
DELETE /api/order/cart/items/{menu_item_id}                           401  200  200   403   403    403   customer
POST   /api/order/orders                                              401  201  201   403   403    403   customer
GET    /api/order/orders                                              401  200  200   200   200    200   self
GET    /api/order/orders/{order_id}                                   401  200  404   200   404    200   order-reader
POST   /api/order/orders/{order_id}/cancel                            401  200  404   404   404    404   order-customer
GET    /api/order/stores/{store_id}/orders                            401  403  403   200   403    200   manager
GET    /api/order/stores/{store_id}/sales                             401  403  403   200   403    200   manager
GET    /api/payment/payments/{order_id}                               401  200  404   404   404    200   payer
GET    /api/payment/payments                                          401  403  403   403   403    200   admin
GET    /api/notification/notifications                                401  200  200   200   200    200   self
GET    /api/notification/stream                                       401  200  200   200   200    200   self
POST   /api/ai/stores/{store_id}/questions                            401  200  200   200   200    200   self
GET    /api/ai/recommendations                                        401  200  200   403   403    403   customer
"""


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: Mapping[str, int]
    rule: Rule


def _parse(table: str) -> dict[tuple[str, str], Row]:
    rows: dict[tuple[str, str], Row] = {}
    header, *lines = [line.split() for line in table.strip().splitlines()]
    assert header[2:8] == ["anon", "cust", "cust2", "owner", "owner2", "admin"]
    for method, path, *statuses, rule in lines:
        assert (method, path) not in rows, f"two rows for {method} {path}"
        rows[(method, path)] = Row(method, path, dict(zip(ACTORS, map(int, statuses), strict=True)), RULES[rule])
    return rows


MATRIX = _parse(MATRIX_TABLE)

# --- the world the matrix is tried in --------------------------------------------------------------------

TOKEN_REFRESH_SECONDS = 300  # access tokens live 600 s; the module may outlast one
PROGRESS = ("accept", "preparing", "ready")  # the owner's steps to reach ACCEPTED, PREPARING, READY
# The inbox status an order must have for each owner's step, and the step it is ready for afterwards.
STATUS_BEFORE = {"preparing": "ACCEPTED", "ready": "PREPARING", "picked-up": "READY", "delivered": "READY"}
STEP_AFTER = {"accept": "preparing", "preparing": "ready", "ready": "picked-up"}
# A waiting order is reused for this long, well within the platform's acceptance timeout.
WAITING_ORDER_SECONDS = STORE_ACCEPT_TIMEOUT_SECONDS / 3


@dataclass
class World:
    platform: Platform
    people: dict[str, Person]
    store_id: str = ""
    other_store_id: str = ""
    dish_id: str = ""  # what the customers order (unlimited stock)
    item_id: str = ""  # what the matrix edits (never ordered)
    category_id: str = ""
    address_id: str = ""  # the customer's second address (never the default)
    completed_order_id: str = ""
    accepted_order_id: str = ""  # stays ACCEPTED: what refused progress steps are tried on
    logged_in_at: dict[str, float] = field(default_factory=dict)
    waiting: tuple[str, float] = ("", 0.0)  # an order awaiting the store, and when it got there
    ready_for: dict[str, list[str]] = field(default_factory=dict)  # owner's step -> orders at the stage before

    def person(self, actor: str) -> Person:
        person = self.people[actor]
        if time.monotonic() - self.logged_in_at.get(actor, 0.0) > TOKEN_REFRESH_SECONDS:
            log_in(person)
            self.logged_in_at[actor] = time.monotonic()
        return person

    @property
    def customer(self) -> Person:
        return self.person("customer")

    @property
    def owner(self) -> Person:
        return self.person("owner")

    def token(self, actor: str) -> str | None:
        return None if actor == "anonymous" else self.person(actor).access_token

    def request(self, actor: str, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
        with self.platform.client(token or self.token(actor)) as c:
            return c.request(method, path, **kwargs)

    def url(self, template: str, **ids: str) -> str:
        known = {
            "store_id": self.store_id,
            "other_store_id": self.other_store_id,
            "order_id": self.completed_order_id,
            "accepted_order_id": self.accepted_order_id,
            "address_id": self.address_id,
            "user_id": self.customer.user_id,
            "category_id": self.category_id,
            "item_id": self.item_id,
            "menu_item_id": self.dish_id,
        }
        return template.format(**{**known, **ids})

    # Orders in the state a call needs. Each order is events that later tests of the session go through
    # again (test_replay replays every topic), so the matrix reuses what a call leaves behind: an order
    # awaiting the store serves every attempt until one consumes it (accept, reject, cancel) or it gets
    # old; an order a step moved along serves the next step.

    def inbox_status(self, order_id: str) -> str | None:
        rows = self.platform.sql("SELECT status FROM store.inbox_entries WHERE order_id = $1", uuid.UUID(order_id))
        return str(rows[0]["status"]) if rows else None

    def is_waiting(self, order_id: str) -> bool:
        """AWAITING_STORE for order, PENDING in the store's inbox."""
        rows = self.platform.sql(
            "SELECT o.status AS ordered, i.status AS inbox FROM ordering.orders o "
            "JOIN store.inbox_entries i USING (order_id) WHERE order_id = $1",
            uuid.UUID(order_id),
        )
        return bool(rows) and (rows[0]["ordered"], rows[0]["inbox"]) == ("AWAITING_STORE", "PENDING")

    def pending_order(self) -> str:
        """A new order of the customer, awaiting the store (for a few seconds: the platform's acceptance
        timeout is short)."""
        order_id = str(expect(place_order(self.customer, self.store_id, [(self.dish_id, 1)]), 201)["order_id"])
        eventually(lambda: self.is_waiting(order_id), what=f"order {order_id} in the inbox")
        return order_id

    def waiting_order(self) -> str:
        order_id, since = self.waiting
        if not order_id or time.monotonic() - since > WAITING_ORDER_SECONDS or not self.is_waiting(order_id):
            self.waiting = (self.pending_order(), time.monotonic())
        return self.waiting[0]

    def order_ready_for(self, step: str) -> str:
        """An order the owner's `step` (preparing, ready, picked-up, delivered) can be taken on."""
        candidates = self.ready_for.setdefault(step, [])
        while candidates:
            order_id = candidates.pop(0)
            if self.inbox_status(order_id) == STATUS_BEFORE[step]:
                return order_id
        stage = {"preparing": "accept", "ready": "preparing"}.get(step, "ready")
        return self.order_at(stage)

    def order_at(self, stage: str) -> str:
        """A new order the owner has moved to ACCEPTED, PREPARING or READY."""
        order_id = self.pending_order()
        for step in PROGRESS[: PROGRESS.index(stage) + 1]:
            body = {"prep_minutes": 10} if step == "accept" else {}
            owner_moves(self.owner, self.store_id, order_id, step, **body)
        return order_id

    def session(self, actor: str) -> dict[str, Any]:
        """A new session (token pair) of the actor, or of the customer for the anonymous actor."""
        person = self.person("customer" if actor == "anonymous" else actor)
        with self.platform.client() as c:
            credentials = {"email": person.email, "password": person.password}
            return dict(expect(c.post("/api/auth/login", json=credentials), 200))

    def new_address(self, label: str = "Throwaway") -> str:
        body = {"label": label, "line1": "Sejong-daero 110", "postal_code": "04524"}
        return str(expect(self.customer.post("/api/user/me/addresses", json=body), 201)["address_id"])

    def address_book(self) -> list[dict[str, Any]]:
        return list(expect(self.customer.get("/api/user/me/addresses"), 200))

    def new_category(self) -> str:
        body = {"name": f"Throwaway {uuid.uuid4().hex[:8]}"}
        return str(expect(self.owner.post(f"/api/store/stores/{self.store_id}/categories", json=body), 201)["id"])

    def new_item(self) -> str:
        return str(add_dish(self.owner, self.store_id, name=f"Throwaway {uuid.uuid4().hex[:8]}", price=1000)["id"])


@pytest.fixture(scope="module")
def world(platform: Platform) -> World:
    people = {
        "customer": sign_up(platform, "CUSTOMER", "Jiwoo"),
        "other_customer": sign_up(platform, "CUSTOMER", "Seojun"),
        "owner": sign_up(platform, "OWNER", "Minseo"),
        "other_owner": sign_up(platform, "OWNER", "Hayoon"),
        "admin": admin(platform),
    }
    w = World(platform, people, logged_in_at={actor: time.monotonic() for actor in people})
    customer, owner = w.customer, w.owner

    w.store_id = open_store(owner, name=f"Matrix Bunsik {uuid.uuid4().hex[:6]}")["id"]
    w.other_store_id = open_store(w.person("other_owner"), name=f"Other Bunsik {uuid.uuid4().hex[:6]}")["id"]
    w.category_id = w.new_category()
    w.dish_id = add_dish(owner, w.store_id, name="Bibimbap", price=9000)["id"]
    w.item_id = add_dish(owner, w.store_id, name="Japchae", price=7000, stock=30)["id"]
    wait_until_order_can_sell(customer, w.store_id, [w.dish_id])

    def has_profile(actor: str) -> bool:  # profiles arrive in user through auth's UserRegistered
        return w.person(actor).get("/api/user/me").status_code == 200

    for actor in people:
        eventually(functools.partial(has_profile, actor), what=f"{actor}'s profile")
    w.new_address("Home")  # the first address is the default; the matrix's one never is
    w.address_id = w.new_address("Office")

    w.completed_order_id = w.order_at("ready")
    owner_moves(owner, w.store_id, w.completed_order_id, "picked-up")
    wait_for_status(customer, w.completed_order_id, "COMPLETED")
    eventually(
        lambda: w.platform.sql("SELECT 1 FROM store.completed_orders WHERE order_id = $1",
                               uuid.UUID(w.completed_order_id)),
        what="store to learn the order is completed (reviews)",
    )
    w.accepted_order_id = w.order_at("accept")
    expect(customer.put(f"/api/order/cart/items/{w.dish_id}", json={"quantity": 2}), 200)
    eventually(
        lambda: customer.post(f"/api/ai/stores/{w.store_id}/questions", json={"question": "Is it spicy?"})
        .status_code == 200,
        what="ai to learn the store",
    )
    return w


# --- how each operation is tried -------------------------------------------------------------------------


@dataclass
class Attempt:
    send: Callable[[], httpx.Response]
    # What a refusal must leave as it was: read before and after a refused attempt, and compared.
    unchanged: Callable[[], object] | None = None
    # What must hold after an allowed attempt.
    then: Callable[[httpx.Response], None] | None = None


Trier = Callable[[World, str, bool], Attempt]  # (world, actor, whether the matrix allows it)
TRIERS: dict[tuple[str, str], Trier] = {}


def tries(method: str, path: str) -> Callable[[Trier], Trier]:
    def register(trier: Trier) -> Trier:
        assert (method, path) in MATRIX, f"no row for {method} {path}"
        TRIERS[(method, path)] = trier
        return trier

    return register


def simply(method: str, path: str, **kwargs: Any) -> None:
    """An operation tried the same way by everyone, on the world's ids."""

    def trier(w: World, actor: str, allowed: bool) -> Attempt:
        return Attempt(lambda: w.request(actor, method, w.url(path), **kwargs))

    tries(method, path)(trier)


def status_of(w: World, actor: str, path: str) -> int:
    return w.request(actor, "GET", path).status_code


# auth

simply("GET", "/api/auth/me")
simply("GET", "/api/auth/.well-known/jwks.json")


@tries("POST", "/api/auth/signup")
def _signup(w: World, actor: str, allowed: bool) -> Attempt:
    body = {"email": unique_email("customer"), "password": f"pw-{uuid.uuid4().hex}", "display_name": "Matrix",
            "role": "CUSTOMER"}
    return Attempt(lambda: w.request(actor, "POST", "/api/auth/signup", json=body))


@tries("POST", "/api/auth/login")
def _login(w: World, actor: str, allowed: bool) -> Attempt:
    person = w.person("customer" if actor == "anonymous" else actor)
    body = {"email": person.email, "password": person.password}
    return Attempt(lambda: w.request(actor, "POST", "/api/auth/login", json=body))


@tries("POST", "/api/auth/refresh")
def _refresh(w: World, actor: str, allowed: bool) -> Attempt:
    session = w.session(actor)
    body = {"refresh_token": session["refresh_token"]}
    return Attempt(lambda: w.request(actor, "POST", "/api/auth/refresh", json=body))


@tries("POST", "/api/auth/logout")
def _logout(w: World, actor: str, allowed: bool) -> Attempt:
    """Each actor logs out a session of their own (the anonymous attempt names the customer's)."""
    session = w.session(actor)
    token = None if actor == "anonymous" else session["access_token"]
    body = {"refresh_token": session["refresh_token"]}

    def session_works() -> int:
        return w.request("customer", "GET", "/api/auth/me", token=session["access_token"]).status_code

    def revoked(_: httpx.Response) -> None:
        assert session_works() == 401

    def send() -> httpx.Response:
        with w.platform.client(token) as c:
            return c.post("/api/auth/logout", json=body)

    return Attempt(send, unchanged=session_works, then=revoked)


@tries("POST", "/api/auth/logout-everywhere")
def _logout_everywhere(w: World, actor: str, allowed: bool) -> Attempt:
    """Each actor ends every session of their own, one opened for the call among them (the anonymous attempt
    names the customer's). The world's own tokens are not refreshed, so they keep working."""
    session = w.session(actor)
    token = None if actor == "anonymous" else session["access_token"]

    def session_works() -> int:
        return w.request("customer", "GET", "/api/auth/me", token=session["access_token"]).status_code

    def ended(_: httpx.Response) -> None:
        assert session_works() == 401
        body = {"refresh_token": session["refresh_token"]}
        refreshed = w.request("anonymous", "POST", "/api/auth/refresh", json=body)
        assert refreshed.json()["code"] == "refresh_token_revoked"

    def send() -> httpx.Response:
        with w.platform.client(token) as c:
            return c.post("/api/auth/logout-everywhere")

    return Attempt(send, unchanged=session_works, then=ended)


@tries("POST", "/api/auth/admin/keys/rotate")
def _rotate(w: World, actor: str, allowed: bool) -> Attempt:
    def kids() -> list[str]:
        jwks = expect(w.request("anonymous", "GET", "/api/auth/.well-known/jwks.json"), 200)
        return sorted(k["kid"] for k in jwks["keys"])

    return Attempt(lambda: w.request(actor, "POST", "/api/auth/admin/keys/rotate"), unchanged=kids)


# user

simply("GET", "/api/user/me")
simply("PATCH", "/api/user/me", json={"phone": "010-1234-5678"})
simply("GET", "/api/user/me/addresses")
simply("POST", "/api/user/me/addresses", json={"label": "Matrix", "line1": "Sejong-daero 110", "postal_code": "04524"})
simply("GET", "/api/user/users/{user_id}")


@tries("PATCH", "/api/user/me/addresses/{address_id}")
def _change_address(w: World, actor: str, allowed: bool) -> Attempt:
    body = {"delivery_note": f"note {uuid.uuid4().hex[:8]}"}
    path = w.url("/api/user/me/addresses/{address_id}")
    return Attempt(lambda: w.request(actor, "PATCH", path, json=body), unchanged=w.address_book)


@tries("DELETE", "/api/user/me/addresses/{address_id}")
def _remove_address(w: World, actor: str, allowed: bool) -> Attempt:
    address_id = w.new_address() if allowed else w.address_id
    path = w.url("/api/user/me/addresses/{address_id}", address_id=address_id)

    def gone(_: httpx.Response) -> None:
        assert address_id not in {a["address_id"] for a in w.address_book()}

    return Attempt(lambda: w.request(actor, "DELETE", path), unchanged=w.address_book, then=gone)


@tries("POST", "/api/user/me/addresses/{address_id}/default")
def _make_default(w: World, actor: str, allowed: bool) -> Attempt:
    address_id = w.new_address() if allowed else w.address_id
    path = w.url("/api/user/me/addresses/{address_id}/default", address_id=address_id)
    return Attempt(lambda: w.request(actor, "POST", path), unchanged=w.address_book)


# store: stores

simply("GET", "/api/store/stores")
simply("GET", "/api/store/stores/{store_id}")


def store_as_seen(w: World) -> Callable[[], object]:
    return lambda: expect(w.request("anonymous", "GET", w.url("/api/store/stores/{store_id}")), 200)


@tries("POST", "/api/store/stores")
def _open_store(w: World, actor: str, allowed: bool) -> Attempt:
    name = f"Matrix {actor} {uuid.uuid4().hex[:8]}"
    body: dict[str, Any] = {
        "name": name,
        "opening_hours": ALWAYS_OPEN,
        "delivery_area": {"lat": 37.5665, "lng": 126.978, "radius_m": 3000},
    }
    if actor == "admin":
        body["owner_id"] = w.owner.user_id

    def stores_named() -> int:
        return int(w.platform.sql("SELECT count(*) AS n FROM store.stores WHERE name = $1", name)[0]["n"])

    return Attempt(lambda: w.request(actor, "POST", "/api/store/stores", json=body), unchanged=stores_named)


@tries("PATCH", "/api/store/stores/{store_id}")
def _change_store(w: World, actor: str, allowed: bool) -> Attempt:
    body = {"description": f"Changed by {actor} {uuid.uuid4().hex[:6]}"}
    path = w.url("/api/store/stores/{store_id}")
    return Attempt(lambda: w.request(actor, "PATCH", path, json=body), unchanged=store_as_seen(w))


@tries("PUT", "/api/store/stores/{store_id}/opening-hours")
def _set_hours(w: World, actor: str, allowed: bool) -> Attempt:
    # Allowed callers keep the store always open; a refused attempt would close it most of the week.
    hours = ALWAYS_OPEN if allowed else [{"weekday": 0, "opens": "09:00", "closes": "10:00"}]
    path = w.url("/api/store/stores/{store_id}/opening-hours")
    return Attempt(lambda: w.request(actor, "PUT", path, json={"opening_hours": hours}), unchanged=store_as_seen(w))


# store: menu

simply("GET", "/api/store/stores/{store_id}/menu")
simply("GET", "/api/store/stores/{store_id}/categories")
simply("GET", "/api/store/stores/{store_id}/menu-items/{item_id}")


def menu_as_seen(w: World) -> Callable[[], object]:
    return lambda: expect(w.request("anonymous", "GET", w.url("/api/store/stores/{store_id}/menu")), 200)


@tries("POST", "/api/store/stores/{store_id}/categories")
def _add_category(w: World, actor: str, allowed: bool) -> Attempt:
    body = {"name": f"By {actor} {uuid.uuid4().hex[:8]}"}
    path = w.url("/api/store/stores/{store_id}/categories")
    return Attempt(lambda: w.request(actor, "POST", path, json=body), unchanged=menu_as_seen(w))


@tries("PATCH", "/api/store/stores/{store_id}/categories/{category_id}")
def _rename_category(w: World, actor: str, allowed: bool) -> Attempt:
    body = {"name": f"Renamed by {actor} {uuid.uuid4().hex[:8]}"}
    path = w.url("/api/store/stores/{store_id}/categories/{category_id}")
    return Attempt(lambda: w.request(actor, "PATCH", path, json=body), unchanged=menu_as_seen(w))


@tries("DELETE", "/api/store/stores/{store_id}/categories/{category_id}")
def _remove_category(w: World, actor: str, allowed: bool) -> Attempt:
    category_id = w.new_category() if allowed else w.category_id
    path = w.url("/api/store/stores/{store_id}/categories/{category_id}", category_id=category_id)
    return Attempt(lambda: w.request(actor, "DELETE", path), unchanged=menu_as_seen(w))


@tries("POST", "/api/store/stores/{store_id}/menu-items")
def _add_item(w: World, actor: str, allowed: bool) -> Attempt:
    body = {"name": f"By {actor} {uuid.uuid4().hex[:8]}", "price": 3000}
    path = w.url("/api/store/stores/{store_id}/menu-items")
    return Attempt(lambda: w.request(actor, "POST", path, json=body), unchanged=menu_as_seen(w))


@tries("PATCH", "/api/store/stores/{store_id}/menu-items/{item_id}")
def _change_item(w: World, actor: str, allowed: bool) -> Attempt:
    body = {"description": f"Changed by {actor} {uuid.uuid4().hex[:6]}"} if allowed else {"price": 1}
    path = w.url("/api/store/stores/{store_id}/menu-items/{item_id}")
    return Attempt(lambda: w.request(actor, "PATCH", path, json=body), unchanged=menu_as_seen(w))


@tries("DELETE", "/api/store/stores/{store_id}/menu-items/{item_id}")
def _remove_item(w: World, actor: str, allowed: bool) -> Attempt:
    item_id = w.new_item() if allowed else w.item_id
    path = w.url("/api/store/stores/{store_id}/menu-items/{item_id}", item_id=item_id)

    def gone(_: httpx.Response) -> None:
        assert status_of(w, "anonymous", path) == 404

    return Attempt(lambda: w.request(actor, "DELETE", path), unchanged=menu_as_seen(w), then=gone)


@tries("PUT", "/api/store/stores/{store_id}/menu-items/{item_id}/stock")
def _set_stock(w: World, actor: str, allowed: bool) -> Attempt:
    body = {"quantity": 30} if allowed else {"quantity": 0, "sold_out": True}
    path = w.url("/api/store/stores/{store_id}/menu-items/{item_id}/stock")
    return Attempt(lambda: w.request(actor, "PUT", path, json=body), unchanged=menu_as_seen(w))


# store: the owner's inbox

simply("GET", "/api/store/stores/{store_id}/orders")
simply("GET", "/api/store/stores/{store_id}/orders/{order_id}")


def inbox_trier(step: str, body: dict[str, Any] | None = None) -> Trier:
    """accept and reject are tried on an order awaiting the store; the progress steps, when allowed, on an
    order at the stage before, and when refused on the world's ACCEPTED order."""

    def trier(w: World, actor: str, allowed: bool) -> Attempt:
        if step in ("accept", "reject"):
            order_id = w.waiting_order()
        else:
            order_id = w.order_ready_for(step) if allowed else w.accepted_order_id
        path = w.url(f"/api/store/stores/{{store_id}}/orders/{{order_id}}/{step}", order_id=order_id)

        def moved_on(_: httpx.Response) -> None:
            if step in STEP_AFTER:
                w.ready_for.setdefault(STEP_AFTER[step], []).append(order_id)

        return Attempt(
            lambda: w.request(actor, "POST", path, json=body),
            unchanged=lambda: w.inbox_status(order_id),
            then=moved_on,
        )

    return trier


for _step, _body in (
    ("accept", {"prep_minutes": 10}),
    ("reject", {"reason": "Out of rice tonight"}),
    ("preparing", None),
    ("ready", None),
    ("picked-up", None),
    ("delivered", None),
):
    tries("POST", f"/api/store/stores/{{store_id}}/orders/{{order_id}}/{_step}")(inbox_trier(_step, _body))


# store: reviews

simply("GET", "/api/store/stores/{store_id}/reviews")


@tries("POST", "/api/store/stores/{store_id}/reviews")
def _review(w: World, actor: str, allowed: bool) -> Attempt:
    """Everyone tries to review the customer's completed order."""
    body = {"order_id": w.completed_order_id, "rating": 5, "text": "Great bibimbap, not too spicy.",
            "menu_item_ids": [w.dish_id]}
    path = w.url("/api/store/stores/{store_id}/reviews")

    def reviews() -> object:
        return expect(w.request("anonymous", "GET", path), 200)

    return Attempt(lambda: w.request(actor, "POST", path, json=body), unchanged=reviews)


# order

simply("GET", "/api/order/stores/{store_id}/menu")
simply("GET", "/api/order/cart")
simply("GET", "/api/order/orders")
simply("GET", "/api/order/stores/{store_id}/sales")
simply("GET", "/api/order/orders/{order_id}")
simply("GET", "/api/order/stores/{store_id}/orders")


@tries("PUT", "/api/order/cart/items/{menu_item_id}")
def _put_in_cart(w: World, actor: str, allowed: bool) -> Attempt:
    path = w.url("/api/order/cart/items/{menu_item_id}")
    return Attempt(lambda: w.request(actor, "PUT", path, json={"quantity": 1}, params={"replace": "true"}))


def fill_cart(w: World, actor: str, allowed: bool) -> None:
    if allowed:  # something to take out of the actor's own cart
        path = w.url("/api/order/cart/items/{menu_item_id}")
        expect(w.request(actor, "PUT", path, json={"quantity": 1}, params={"replace": "true"}), 200)


@tries("DELETE", "/api/order/cart/items/{menu_item_id}")
def _take_from_cart(w: World, actor: str, allowed: bool) -> Attempt:
    fill_cart(w, actor, allowed)
    path = w.url("/api/order/cart/items/{menu_item_id}")

    def taken(response: httpx.Response) -> None:
        assert w.dish_id not in {line["menu_item_id"] for line in response.json()["lines"]}

    return Attempt(lambda: w.request(actor, "DELETE", path), then=taken)


@tries("DELETE", "/api/order/cart")
def _clear_cart(w: World, actor: str, allowed: bool) -> Attempt:
    fill_cart(w, actor, allowed)

    def emptied(_: httpx.Response) -> None:
        assert expect(w.request(actor, "GET", "/api/order/cart"), 200)["lines"] == []

    return Attempt(lambda: w.request(actor, "DELETE", "/api/order/cart"), then=emptied)


@tries("POST", "/api/order/orders")
def _place(w: World, actor: str, allowed: bool) -> Attempt:
    body = {"store_id": w.store_id, "lines": [{"menu_item_id": w.dish_id, "quantity": 1}]}
    headers = {"Idempotency-Key": uuid.uuid4().hex}

    def orders() -> int:
        return int(w.platform.sql("SELECT count(*) AS n FROM ordering.orders")[0]["n"])

    return Attempt(lambda: w.request(actor, "POST", "/api/order/orders", json=body, headers=headers), unchanged=orders)


@tries("POST", "/api/order/orders/{order_id}/cancel")
def _cancel(w: World, actor: str, allowed: bool) -> Attempt:
    """Everyone tries to cancel a cancellable order of the customer."""
    order_id = w.waiting_order()
    path = w.url("/api/order/orders/{order_id}/cancel", order_id=order_id)

    def order_as_seen() -> object:
        order = expect(w.customer.get(f"/api/order/orders/{order_id}"), 200)
        return order["status"], order["cancel_reason"]

    def cancelled(response: httpx.Response) -> None:
        assert (response.json()["status"], response.json()["cancel_reason"]) == ("CANCELLED", "customer_cancelled")

    return Attempt(lambda: w.request(actor, "POST", path), unchanged=order_as_seen, then=cancelled)


# payment, notification, ai

simply("GET", "/api/payment/payments/{order_id}")
simply("GET", "/api/payment/payments")
simply("GET", "/api/notification/notifications")
simply("POST", "/api/ai/stores/{store_id}/questions", json={"question": "Is the bibimbap spicy?"})
simply("GET", "/api/ai/recommendations")


@tries("GET", "/api/notification/stream")
def _stream(w: World, actor: str, allowed: bool) -> Attempt:
    def send() -> httpx.Response:
        """Open the stream, read its status (and a refusal's body), close it."""
        with w.platform.client(w.token(actor)) as c, c.stream("GET", "/api/notification/stream") as response:
            if response.status_code >= 400:
                response.read()
            else:
                assert response.headers["content-type"].startswith("text/event-stream")
            return response

    return Attempt(send)


# --- the tests -------------------------------------------------------------------------------------------


def operations_in_openapi(platform: Platform) -> Iterator[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    with platform.client() as c:
        for service in SERVICES:
            document = expect(c.get(f"/api/{service}/openapi.json"), 200)
            for path, item in document["paths"].items():
                for method in item.keys() & methods:
                    yield method.upper(), path


def test_the_matrix_covers_every_operation(platform: Platform) -> None:
    documented = set(operations_in_openapi(platform))
    tabled = set(MATRIX)
    assert not documented - tabled, f"operations without a row in the matrix: {sorted(documented - tabled)}"
    assert not tabled - documented, f"rows for operations no service has: {sorted(tabled - documented)}"
    assert set(TRIERS) == tabled, f"rows without a way to try them: {sorted(tabled - set(TRIERS))}"
    for row in MATRIX.values():
        refused = {actor for actor, status in row.expected.items() if status >= 400}
        assert refused == set(row.rule.codes), f"{row.method} {row.path}: the refusals differ from its rule"


CASES = [pytest.param(m, p, a, id=f"{m} {p} as {a}") for (m, p) in MATRIX for a in ACTORS]


@pytest.mark.parametrize(("method", "path", "actor"), CASES)
def test_each_actor_gets_what_the_matrix_says(world: World, method: str, path: str, actor: str) -> None:
    row = MATRIX[(method, path)]
    expected = row.expected[actor]
    allowed = expected < 400
    attempt = TRIERS[(method, path)](world, actor, allowed)
    before = attempt.unchanged() if attempt.unchanged and not allowed else None

    response = attempt.send()

    body = response.text if response.is_stream_consumed else "(a stream, not read)"
    shown = f"{response.request.method} {response.request.url} as {actor}: {response.status_code} {body}"
    assert response.status_code == expected, f"{shown}\nrule: {row.rule.who}"
    if allowed:
        if attempt.then:
            attempt.then(response)
        return
    assert response.headers["content-type"] == "application/problem+json", shown
    problem = response.json()
    assert (problem["status"], problem["code"]) == (expected, row.rule.codes[actor]), f"{shown}\nrule: {row.rule.who}"
    if attempt.unchanged:
        assert attempt.unchanged() == before, f"{shown}\nchanged what it was refused"


# Another owner who names their own store in the path cannot reach this store's things either: a category,
# an item or an order belongs to one store, and through another store's path it does not exist.
THROUGH_ANOTHER_STORE = [
    ("PATCH", "/api/store/stores/{other_store_id}/categories/{category_id}", {"name": "Taken"}, "category_not_found"),
    ("DELETE", "/api/store/stores/{other_store_id}/categories/{category_id}", None, "category_not_found"),
    ("PATCH", "/api/store/stores/{other_store_id}/menu-items/{item_id}", {"price": 1}, "menu_item_not_found"),
    ("DELETE", "/api/store/stores/{other_store_id}/menu-items/{item_id}", None, "menu_item_not_found"),
    ("PUT", "/api/store/stores/{other_store_id}/menu-items/{item_id}/stock", {"quantity": 0}, "menu_item_not_found"),
    ("GET", "/api/store/stores/{other_store_id}/orders/{order_id}", None, "order_not_found"),
    ("POST", "/api/store/stores/{other_store_id}/orders/{accepted_order_id}/preparing", None, "order_not_found"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "code"), [pytest.param(*c, id=f"{c[0]} {c[1]}") for c in THROUGH_ANOTHER_STORE]
)
def test_another_owner_cannot_reach_the_store_through_their_own(
    world: World, method: str, path: str, body: dict[str, Any] | None, code: str
) -> None:
    def as_seen() -> object:
        return menu_as_seen(world)(), world.inbox_status(world.accepted_order_id)

    before = as_seen()
    response = world.request("other_owner", method, world.url(path), json=body)

    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert as_seen() == before
