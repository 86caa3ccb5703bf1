"""The demo city and the dinner rush on the running platform, checked from every service's own data,
and the README's "try it" curl steps run as they are written.

A short version of the city (its people, the demo store and one bakery with limited stock, with all
their reviews) keeps this to about a minute of saga on a quiet machine; the whole city's data is
checked against the services' own request schemas by tools/demo/tests/test_city.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from e2e_support import Platform, eventually
from matjip_demo.accounts import Urls, demo_accounts, demo_credentials, write_demo_env
from matjip_demo.city import City, load_city
from matjip_demo.rush.plan import Journey, RushPlan
from matjip_demo.rush.simulator import RushResult, run_rush
from matjip_demo.seed import SeededCity, SeedReport, seed_city
from matjip_devstack.packages import apt_install
from matjip_devstack.paths import ROOT
from matjip_devstack.topics import end_offsets

STORES = ["ttukseom-24", "salt-bread"]
SCHEMAS = ("auth", "user_profile", "store", "ordering", "payment", "notification", "ai")


@dataclass
class Seeding:
    city: City
    seeded: SeededCity
    first: SeedReport
    second: SeedReport
    rows_before: dict[str, int]
    rows_after: dict[str, int]
    offsets_before: dict[str, dict[int, int]]
    offsets_after: dict[str, dict[int, int]]


def row_counts(platform: Platform) -> dict[str, int]:
    """Rows of every table of every service (outboxes aside: published rows may be pruned at any time)."""
    tables = platform.sql(
        "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
        "WHERE table_schema = ANY($1::text[]) AND table_name <> 'outbox_events' ORDER BY 1",
        list(SCHEMAS),
    )
    counts: dict[str, int] = {}
    for row in tables:
        [count] = platform.sql(f"SELECT count(*) AS n FROM {row['t']}")
        counts[row["t"]] = count["n"]
    return counts


def topic_offsets(platform: Platform) -> dict[str, dict[int, int]]:
    offsets = asyncio.run(end_offsets(platform.infra.kafka_bootstrap))
    return {topic: parts for topic, parts in offsets.items() if topic.startswith(platform.topic_prefix)}


@pytest.fixture(scope="module")
def demo_env(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout's .data/demo.env for this platform, in a directory standing in for the checkout."""
    checkout = tmp_path_factory.mktemp("checkout")
    (checkout / ".data").mkdir()
    (checkout / ".data" / "logs").symlink_to(platform.running.log_dir)
    return checkout / ".data" / "demo.env"


@pytest.fixture(scope="module")
def seeding(platform: Platform, demo_env: Path) -> Seeding:
    city = load_city().only(STORES)
    credentials = demo_credentials(demo_env)
    write_demo_env(demo_env, city, credentials, Urls(platform.edge_url, platform.zipkin_url, "http://127.0.0.1:9"))

    async def seed_once() -> tuple[SeededCity, SeedReport]:
        seeded, report = await seed_city(city, platform.edge_url, credentials, progress=print)
        await seeded.close()  # connections reopen in whichever event loop uses its people next
        return seeded, report

    seeded, first = asyncio.run(seed_once())
    settle_everything(platform, seeded)
    rows, offsets = row_counts(platform), topic_offsets(platform)
    seeded, second = asyncio.run(seed_once())
    return Seeding(city, seeded, first, second, rows, row_counts(platform), offsets, topic_offsets(platform))


def settle_everything(platform: Platform, seeded: SeededCity) -> None:
    """Wait until the seeding's events have reached every read model (ai's index last) and nothing moves."""
    for key, store in seeded.stores.items():
        reviews = len(seeded.city.store(key).reviews)

        def indexed(store_id: str = store.store_id, reviews: int = reviews) -> bool:
            [row] = platform.sql("SELECT count(*) AS n FROM ai.reviews WHERE store_id = $1", uuid.UUID(store_id))
            return bool(row["n"] == reviews)

        eventually(indexed, timeout=120, what=f"ai to index the {reviews} reviews of {key}")
    previous: tuple[dict[str, int], dict[str, dict[int, int]]] | None = None

    def still() -> bool:
        nonlocal previous
        now = (row_counts(platform), topic_offsets(platform))
        settled, previous = now == previous, now
        return settled

    eventually(still, timeout=120, what="every table and topic to stop moving")


# --- seeding ------------------------------------------------------------------------------------------


def test_seeding_creates_the_city_through_the_services_and_a_second_run_changes_nothing(seeding: Seeding) -> None:
    reviews = sum(len(s.reviews) for s in seeding.city.stores)
    assert seeding.first.changed["stores"] == len(STORES)
    assert seeding.first.changed["reviews"] == reviews
    assert seeding.first.orders_completed == reviews
    assert seeding.first.changed["accounts"] == len(seeding.city.owners) + len(seeding.city.customers)

    assert seeding.second.changes == 0, seeding.second.changed
    assert seeding.second.in_place["reviews"] == reviews
    assert seeding.rows_after == seeding.rows_before  # not one row anywhere
    assert seeding.offsets_after == seeding.offsets_before  # not one event


def test_every_service_tells_the_same_story_of_the_seeded_city(platform: Platform, seeding: Seeding) -> None:
    with platform.client() as anyone:
        for key, seeded in seeding.seeded.stores.items():
            spec = seeding.city.store(key)
            store = anyone.get(f"/api/store/stores/{seeded.store_id}").json()
            assert (store["name"], store["address"], store["delivery_area"]["radius_m"]) == (
                spec.name, spec.address, spec.radius_m)
            # store's menu, and order's copy of it (built from store's events), are the data's menu.
            menu = anyone.get(f"/api/store/stores/{seeded.store_id}/menu").json()
            assert [c["name"] for c in menu["categories"]] == [s.category for s in spec.menu]
            dishes = {i["name"]: i for c in menu["categories"] for i in c["items"]}
            for dish in spec.dishes():
                assert dishes[dish.name]["price"] == dish.price
                assert [(o["name"], o["extra_price"]) for o in dishes[dish.name]["options"]] == [
                    (o.name, o.extra_price) for o in dish.options]
            sold = anyone.get(f"/api/order/stores/{seeded.store_id}/menu").json()
            assert {i["name"]: i["price"] for i in sold["items"]} == {d.name: d.price for d in spec.dishes()}
            # the reviews, their rating, and that each came from a completed order of its author.
            page = anyone.get(f"/api/store/stores/{seeded.store_id}/reviews", params={"limit": 100}).json()
            assert sorted(r["text"] for r in page["items"]) == sorted(r.text for r in spec.reviews)
            mean = sum(r.rating for r in spec.reviews) / len(spec.reviews)
            assert page["rating"]["count"] == len(spec.reviews)
            assert page["rating"]["average"] == pytest.approx(mean, abs=0.01)
            orders = platform.sql(
                "SELECT o.status, o.customer_id, r.customer_id AS author, i.status AS inbox, p.status AS payment "
                "FROM store.reviews r JOIN ordering.orders o ON o.order_id = r.order_id "
                "JOIN store.inbox_entries i ON i.order_id = r.order_id "
                "JOIN payment.payment_intents p ON p.order_id = r.order_id WHERE r.store_id = $1",
                uuid.UUID(seeded.store_id),
            )
            assert len(orders) == len(spec.reviews)
            for order in orders:
                assert (order["status"], order["inbox"], order["payment"]) == ("COMPLETED", "PICKED_UP", "AUTHORIZED")
                assert order["customer_id"] == order["author"]
            [indexed] = platform.sql("SELECT count(*) AS n FROM ai.reviews WHERE store_id = $1",
                                     uuid.UUID(seeded.store_id))
            assert indexed["n"] == len(spec.reviews)
    # every completed order was announced to its customer; every reviewer has a profile and an address.
    [unannounced] = platform.sql(
        "SELECT count(*) AS n FROM store.reviews r WHERE NOT EXISTS (SELECT 1 FROM notification.notifications n "
        "WHERE n.order_id = r.order_id AND n.recipient_id = r.customer_id AND n.payload::text LIKE '%COMPLETED%')"
    )
    assert unannounced["n"] == 0
    customer = seeding.seeded.cast.customers[seeding.city.demo.customer]
    with platform.client(customer.tokens.access if customer.tokens else None) as c:
        profile, addresses = c.get("/api/user/me").json(), c.get("/api/user/me/addresses").json()
    assert profile["phone"] == seeding.city.customer(seeding.city.demo.customer).phone
    assert [a["line1"] for a in addresses] == [seeding.city.customer(seeding.city.demo.customer).home.line1]


def test_the_ai_answers_in_korean_from_the_seeded_reviews(platform: Platform, seeding: Seeding) -> None:
    customer = seeding.seeded.cast.customers[seeding.city.demo.customer]
    store_id = seeding.seeded.stores["ttukseom-24"].store_id
    with platform.client(customer.tokens.access if customer.tokens else None) as c:
        answer = c.post(f"/api/ai/stores/{store_id}/questions", json={"question": "떡볶이 많이 매워요?"}).json()
    assert answer["grounded"] is True
    texts = {r.text for r in seeding.city.store("ttukseom-24").reviews}
    assert any(match["text"] in texts for match in answer["matches"])


# --- the rush -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rush(platform: Platform, seeding: Seeding, demo_env: Path) -> RushResult:
    # Brisk people and a fast kitchen: the e2e platform closes acceptance windows after a few seconds.
    plan = RushPlan(rate=1.0, minutes=0.75, seed=13, pace=0.2, kitchen_seconds_per_minute=0.05,
                    follow_seconds=30, drain_seconds=90)
    result = asyncio.run(run_rush(seeding.city, platform.edge_url, demo_credentials(demo_env), plan, out=print))
    print("\n".join(result.lines))
    return result


def test_a_short_rush_provokes_every_kind_of_customer_and_ends_without_errors(rush: RushResult) -> None:
    assert rush.ok, "\n".join(rush.lines)
    assert set(rush.stats.journeys) == set(Journey)
    assert rush.stats.double_taps >= 1
    assert rush.stats.orders >= 20
    assert not rush.stats.errors and rush.stats.rate_limited == 0
    assert rush.settled.final["completed"] > 0
    assert rush.settled.final["cancelled: payment_failed"] >= 1  # the declined cards
    assert sum(rush.settled.final.values()) + rush.settled.waiting == rush.stats.orders


def test_after_the_rush_every_order_is_final_or_rightly_waiting_in_every_service(
    platform: Platform, rush: RushResult
) -> None:
    order_ids = [uuid.UUID(o) for o in rush.stats.status]

    # Refunds and read models follow the final status through events: give them a moment.
    with contextlib.suppress(AssertionError):
        eventually(lambda: not problems_with(platform, order_ids), timeout=60, what="every service to agree")
    assert problems_with(platform, order_ids) == []
    # One order per checkout request, double taps included.
    [dupes] = platform.sql(
        "SELECT count(*) AS n FROM (SELECT customer_id, idempotency_key FROM ordering.checkout_requests "
        "GROUP BY 1, 2 HAVING count(*) > 1) d"
    )
    assert dupes["n"] == 0
    [placed] = platform.sql("SELECT count(*) AS n FROM ordering.checkout_requests WHERE order_id = ANY($1::uuid[])",
                            order_ids)
    assert placed["n"] == len(order_ids)


def problems_with(platform: Platform, order_ids: list[uuid.UUID]) -> list[str]:
    """Everything about these orders that one service says and another contradicts."""
    rows = platform.sql(
        "SELECT o.order_id, o.status, o.cancel_reason, o.accept_by, i.status AS inbox, "
        "(SELECT array_agg(c.status) FROM sandbox_pg.charges c WHERE c.order_id = o.order_id::text) AS charges, "
        "(SELECT r.status FROM store.stock_reservations r WHERE r.order_id = o.order_id) AS reservation "
        "FROM ordering.orders o LEFT JOIN store.inbox_entries i ON i.order_id = o.order_id "
        "WHERE o.order_id = ANY($1::uuid[])",
        order_ids,
    )
    problems = [f"{missing}: not in ordering.orders" for missing in set(order_ids) - {r["order_id"] for r in rows}]
    now = datetime.now(UTC)
    for row in rows:
        charges = Counter(row["charges"] or [])
        said = f"{row['order_id']} {row['status']}({row['cancel_reason']}) inbox={row['inbox']} charges={dict(charges)}"
        if row["status"] == "COMPLETED":
            ok = row["inbox"] in ("PICKED_UP", "DELIVERED") and charges == Counter({"DONE": 1})
        elif row["status"] == "CANCELLED":
            kept_money = charges["DONE"] > 0
            inbox_ok = {
                "store_rejected": row["inbox"] == "REJECTED",
                "payment_failed": row["inbox"] is None and not charges,
                "customer_cancelled": row["inbox"] in (None, "WITHDRAWN"),
                # The store expires its own entry; WITHDRAWN when the order service's fallback got there first.
                "store_timeout": row["inbox"] in ("EXPIRED", "WITHDRAWN"),
            }.get(row["cancel_reason"], row["cancel_reason"] in ("sold_out", "store_closed"))
            # Money and stock went back: no charge left standing, no reservation left held.
            ok = inbox_ok and not kept_money and row["reservation"] in (None, "RELEASED", "REJECTED")
        elif row["status"] == "AWAITING_STORE":  # an owner who did not answer, the window still open
            ok = row["inbox"] == "PENDING" and charges == Counter({"DONE": 1}) and row["accept_by"] > now
        else:
            ok = False
        if not ok:
            problems.append(said)
    return problems


def test_stock_left_is_stock_given_minus_what_live_orders_hold(platform: Platform, seeding: Seeding,
                                                               rush: RushResult) -> None:
    for key, seeded in seeding.seeded.stores.items():
        for dish in seeding.city.store(key).dishes():
            if dish.stock is None:
                continue
            item_id = seeded.dish_ids[dish.name]
            [held] = platform.sql(
                "SELECT coalesce(sum((line->>'quantity')::int), 0) AS n FROM ordering.orders o, "
                "jsonb_array_elements(o.lines) line WHERE o.status <> 'CANCELLED' AND line->>'menu_item_id' = $1",
                item_id,
            )
            [item] = platform.sql("SELECT stock_quantity FROM store.menu_items WHERE id = $1", uuid.UUID(item_id))
            assert item["stock_quantity"] == dish.stock - held["n"], dish.name


# --- the README ---------------------------------------------------------------------------------------


def readme_block(marker: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:begin -->\n```bash\n(.*?)```\n<!-- {marker}:end -->", readme, re.S)
    assert found, f"README.md has no {marker} block"
    return found.group(1)


def test_the_readme_try_it_steps_place_a_first_order_and_show_where_to_see_it(
    platform: Platform, seeding: Seeding, demo_env: Path
) -> None:
    if shutil.which("jq") is None:
        apt_install(["jq"], "the README's curl steps")
    checkout = demo_env.parent.parent
    script = readme_block("try-it") + 'echo "ORDER=$ORDER"\n'
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=checkout, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "뚝섬 24시 분식" in done.stdout
    assert '"total_amount":14500' in done.stdout  # two 국물떡볶이 at 5,000 and a 참치김밥 at 4,500
    assert "ACCEPTED" in done.stdout and "PICKED_UP" in done.stdout
    order_id = re.findall(r"^ORDER=(.+)$", done.stdout, re.M)[-1]
    assert f"order {order_id} is COMPLETED" in done.stdout
    customer, _ = demo_accounts(seeding.city, demo_credentials(demo_env))
    [order] = platform.sql("SELECT o.status, a.email FROM ordering.orders o JOIN auth.accounts a "
                           "ON a.user_id = o.customer_id WHERE o.order_id = $1", uuid.UUID(order_id))
    assert (order["status"], order["email"]) == ("COMPLETED", customer.email)

    # Where to see it: the same lines find its traces in Zipkin and its log lines.
    see_it = f"source .data/demo.env\nORDER={order_id}\n" + readme_block("see-it")

    def seen() -> str | None:
        shown = subprocess.run(["bash", "-eu", "-c", see_it], cwd=checkout, capture_output=True, text=True,
                               timeout=60)
        traced = re.search(r"^\d+ spans: .*order.*$", shown.stdout, re.M)
        logged = any(json.loads(line).get("trace_id") for line in shown.stdout.splitlines() if line.startswith("{"))
        return shown.stdout if traced and logged else None

    eventually(seen, timeout=60, what="the order's traces in Zipkin and its log lines")


def test_the_demo_env_is_where_the_readme_says(demo_env: Path) -> None:
    text = demo_env.read_text()
    for name in re.findall(r"\$\{?(DEMO_[A-Z_]+)", readme_block("try-it") + readme_block("see-it")):
        assert f"{name}=" in text, name
    assert httpx.URL(re.search(r"DEMO_EDGE=(\S+)", text).group(1)).host == "127.0.0.1"  # type: ignore[union-attr]
