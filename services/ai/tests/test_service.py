"""ai on the real stack: events in on the prefixed topics, answers and recommendations out over HTTP,
with the real embedding model."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import numpy as np
import pytest
from sqlalchemy import func, select, update

from matjip_ai.domain.embedding import from_bytes, matrix_from_bytes
from matjip_ai.repository.tables import menu_items, order_lines, orders, reviews
from matjip_ai.tasks.reindex import reindex_batch
from matjip_contracts.events import (
    MenuItemUpdated,
    OrderLine,
    OrderPlaced,
    OrderStatusChanged,
    ReviewPosted,
    StoreUpdated,
)
from matjip_contracts.events.common import OrderStatus, Role

from .conftest import AiUnderTest

pytestmark = pytest.mark.integration

NOW = datetime(2025, 5, 1, 12, tzinfo=UTC)


def store_updated(store_id: UUID, name: str = "Matjip Bunsik", revision: int = 1) -> StoreUpdated:
    return StoreUpdated(
        store_id=store_id,
        owner_id=uuid4(),
        name=name,
        timezone="Asia/Seoul",
        opening_hours=(),
        accepting_orders=True,
        revision=revision,
    )


def menu_item(
    store_id: UUID, name: str, price: int, *, revision: int = 1, sold_out: bool = False, item_id: UUID | None = None
) -> MenuItemUpdated:
    return MenuItemUpdated(
        menu_item_id=item_id or uuid4(),
        store_id=store_id,
        name=name,
        price=price,
        sold_out=sold_out,
        revision=revision,
    )


def review_posted(store_id: UUID, text: str, rating: int, items: tuple[UUID, ...] = ()) -> ReviewPosted:
    return ReviewPosted(
        review_id=uuid4(),
        store_id=store_id,
        order_id=uuid4(),
        customer_id=uuid4(),
        rating=rating,
        text=text,
        menu_item_ids=items,
        posted_at=NOW,
    )


def completed_order(
    customer_id: UUID, store_id: UUID, *dishes: MenuItemUpdated, status: OrderStatus = OrderStatus.COMPLETED
) -> tuple[OrderPlaced, OrderStatusChanged]:
    order_id = uuid4()
    lines = tuple(OrderLine(menu_item_id=d.menu_item_id, name=d.name, quantity=1, unit_price=d.price) for d in dishes)
    placed = OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        store_id=store_id,
        lines=lines,
        total_amount=sum(d.price for d in dishes),
        placed_at=NOW,
    )
    changed = OrderStatusChanged(
        order_id=order_id,
        customer_id=customer_id,
        store_id=store_id,
        status=status,
        previous_status=OrderStatus.DELIVERED if status is OrderStatus.COMPLETED else OrderStatus.PLACED,
        changed_at=NOW,
    )
    return placed, changed


# --- identity and input -------------------------------------------------------------------------------


async def test_anonymous_callers_get_401_problems(ai: AiUnderTest) -> None:
    for response in (
        await ai.client.post(f"/api/ai/stores/{uuid4()}/questions", json={"question": "Is it spicy?"}),
        await ai.client.get("/api/ai/recommendations"),
        await ai.client.get("/api/ai/recommendations", headers={"Authorization": "Bearer not-a-token"}),
    ):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] in {"missing_token", "invalid_token"}


async def test_recommendations_are_for_customers_only(ai: AiUnderTest) -> None:
    response = await ai.client.get("/api/ai/recommendations", headers=ai.auth(uuid4(), Role.OWNER))
    assert response.status_code == 403
    assert response.json()["code"] == "role_required"


async def test_invalid_input_is_a_422_naming_the_field(ai: AiUnderTest) -> None:
    store = uuid4()
    response = await ai.client.post(
        f"/api/ai/stores/{store}/questions", json={"question": "  ?  "}, headers=ai.auth(uuid4())
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["question"]

    response = await ai.client.get("/api/ai/recommendations?limit=0", headers=ai.auth(uuid4()))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["limit"]


async def test_the_service_is_ready_with_the_model_loaded_at_start(ai: AiUnderTest) -> None:
    response = await ai.client.get("/health/ready")
    assert response.status_code == 200
    load = ai.service.components.models_load
    assert load.model == "multilingual-e5-small-q4"
    assert load.analyzer == "mecab-ko-dic+snowball-en"
    print(f"models loaded at start-up in {load.seconds} s, +{load.resident_mb_added} MB resident")


async def test_the_api_says_its_answers_are_extractive(ai: AiUnderTest) -> None:
    spec = (await ai.client.get("/api/ai/openapi.json")).json()
    question = spec["paths"]["/api/ai/stores/{store_id}/questions"]["post"]
    assert "No generative language model" in question["description"]
    assert "Accept-Language" in {p["name"] for p in question["parameters"]}
    assert "/api/ai/recommendations" in spec["paths"]


# --- questions ----------------------------------------------------------------------------------------


async def test_a_question_about_an_unknown_store_is_404(ai: AiUnderTest) -> None:
    response = await ai.client.post(
        f"/api/ai/stores/{uuid4()}/questions", json={"question": "Is it spicy?"}, headers=ai.auth(uuid4())
    )
    assert response.status_code == 404
    assert response.json()["code"] == "store_not_found"


async def test_a_store_without_reviews_gets_a_clear_answer(ai: AiUnderTest) -> None:
    store = uuid4()
    await ai.deliver(store_updated(store))

    response = await ai.client.post(
        f"/api/ai/stores/{store}/questions", json={"question": "Is it spicy?"}, headers=ai.auth(uuid4(), Role.OWNER)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["answer"] == "This store has no written reviews yet, so there is nothing to answer from."
    assert body["matches"] == []
    assert body["grounded"] is False


async def test_the_spicy_review_answers_a_question_about_spiciness(ai: AiUnderTest) -> None:
    store = uuid4()
    tteokbokki = menu_item(store, "Tteokbokki", 12000)
    kimbap = menu_item(store, "Kimbap", 4500)
    spicy = review_posted(
        store,
        "Great value. The tteokbokki is very spicy, my mouth was on fire! Order milk.",
        4,
        (tteokbokki.menu_item_id,),
    )
    await ai.deliver(
        store_updated(store),
        tteokbokki,
        kimbap,
        review_posted(store, "Delivery was fast and the rider was polite.", 5),
        spicy,
        review_posted(store, "The kimbap was fresh and generously filled.", 5, (kimbap.menu_item_id,)),
    )

    response = await ai.client.post(
        f"/api/ai/stores/{store}/questions",
        json={"question": "How spicy is the tteokbokki?", "top_k": 3},
        headers=ai.auth(uuid4()),
    )

    assert response.status_code == 200
    body = response.json()
    assert body["reviews_considered"] == 3
    first = body["matches"][0]
    assert first["review_id"] == str(spicy.review_id)
    assert first["rating"] == 4
    assert first["relevant"] is True
    assert first["snippet"] == "The tteokbokki is very spicy, my mouth was on fire!"
    assert first["menu_items"] == [
        {
            "menu_item_id": str(tteokbokki.menu_item_id),
            "name": "Tteokbokki",
            "price": 12000,
            "availability": "available",
        }
    ]
    assert first["similarity"] > body["matches"][1]["similarity"] > body["matches"][2]["similarity"]
    assert [m["relevant"] for m in body["matches"][1:]] == [False, False]
    assert body["grounded"] is True
    assert body["answer"].startswith(
        '1 review speaks to this (average rating 4.0/5). The closest says: "The tteokbokki'
    )
    assert "Tteokbokki (12,000 won)" in body["answer"]
    assert body["model"] == "multilingual-e5-small-q4"
    assert body["language"] == "en"
    assert "no generative model" in body["method"]


async def test_a_review_is_embedded_once_however_often_it_arrives(ai: AiUnderTest) -> None:
    store = uuid4()
    event = review_posted(store, "Crispy fried chicken, not greasy at all.", 5)
    [envelope] = await ai.deliver(event)
    async with ai.service.runtime.db.transaction() as session:
        stored = (await session.execute(select(reviews).where(reviews.c.review_id == event.review_id))).one()
    vector = from_bytes(stored.embedding)
    assert vector.shape == (384,)
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)
    assert stored.embedding_model == "multilingual-e5-small-q4"
    assert stored.terms == ["crispi", "fri", "chicken", "not", "greasi", "all"]  # stemmed English words
    assert matrix_from_bytes(stored.sentence_embeddings, 384).shape == (1, 384)  # one sentence

    await ai.redeliver(envelope)  # the same message again (a producer retry)
    await ai.deliver(event)  # the same review re-announced under a new event id (a replay)

    async with ai.service.runtime.db.transaction() as session:
        rows = (await session.execute(select(reviews).where(reviews.c.store_id == store))).all()
    assert len(rows) == 1
    assert (rows[0].embedding, rows[0].sentence_embeddings) == (stored.embedding, stored.sentence_embeddings)


async def test_menu_items_keep_their_newest_revision(ai: AiUnderTest) -> None:
    store = uuid4()
    item_id = uuid4()
    newer = menu_item(store, "Rose Tteokbokki", 15000, revision=3, sold_out=True, item_id=item_id)
    older = menu_item(store, "Tteokbokki", 12000, revision=2, item_id=item_id)
    await ai.deliver(newer, older)

    async with ai.service.runtime.db.transaction() as session:
        row = (await session.execute(select(menu_items).where(menu_items.c.menu_item_id == item_id))).one()
    assert (row.name, row.price, row.sold_out, row.revision) == ("Rose Tteokbokki", 15000, True, 3)


async def test_a_price_or_stock_change_under_the_same_name_is_applied(ai: AiUnderTest) -> None:
    """The name's embedding is kept, and the newer snapshot still lands (it used to be dead-lettered)."""
    store = uuid4()
    item_id = uuid4()
    await ai.deliver(menu_item(store, "Japchae", 11000, revision=1, item_id=item_id))
    await ai.deliver(menu_item(store, "Japchae", 13000, revision=2, sold_out=True, item_id=item_id))

    async with ai.service.runtime.db.transaction() as session:
        row = (await session.execute(select(menu_items).where(menu_items.c.menu_item_id == item_id))).one()
    assert (row.price, row.sold_out, row.revision) == (13000, True, 2)
    assert row.name_embedding is not None


# --- recommendations ----------------------------------------------------------------------------------


async def test_recommendations_follow_what_customers_order_together(ai: AiUnderTest) -> None:
    store = uuid4()
    tteokbokki = menu_item(store, "Tteokbokki", 12000)
    fish_cake_soup = menu_item(store, "Fish cake soup", 6000)
    fried_dumplings = menu_item(store, "Fried dumplings", 5000)
    coke = menu_item(store, "Coke", 2000, sold_out=True)
    sundae = menu_item(store, "Sundae", 9000)
    kimbap = menu_item(store, "Kimbap", 4500)
    me, others = uuid4(), [uuid4() for _ in range(4)]
    history = [
        completed_order(me, store, tteokbokki),
        completed_order(others[0], store, tteokbokki, fish_cake_soup, coke),
        completed_order(others[1], store, tteokbokki, fish_cake_soup),
        completed_order(others[2], store, tteokbokki, fried_dumplings),
        # Cancelled and unfinished orders are no history: sundae is never "ordered together".
        completed_order(others[3], store, tteokbokki, sundae, status=OrderStatus.CANCELLED),
        completed_order(others[3], store, tteokbokki, sundae, status=OrderStatus.PREPARING),
        *[completed_order(other, store, kimbap) for other in others],
    ]
    await ai.deliver(
        store_updated(store, "Bunsik House"),
        tteokbokki,
        fish_cake_soup,
        fried_dumplings,
        coke,
        sundae,
        kimbap,
        *[event for order in history for event in order],
    )

    response = await ai.client.get("/api/ai/recommendations?limit=50&language=en", headers=ai.auth(me))

    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == str(me)
    assert body["completed_orders_considered"] == 1
    mine = [r for r in body["recommendations"] if r["store_id"] == str(store)]
    assert [r["name"] for r in mine][:3] == ["Fish cake soup", "Fried dumplings", "Kimbap"]
    assert mine[0]["basis"] == "co_occurrence"
    assert mine[0]["reason"] == "Often ordered with Tteokbokki, which you ordered: together in 2 completed orders."
    assert mine[0]["store_name"] == "Bunsik House"
    assert mine[0]["price"] == 6000
    assert mine[2]["basis"] == "popular"
    # Other tests' stores may add dishes with similar names; of this store's dishes, the one already
    # ordered, the sold-out one and the one only in orders that never completed are left out.
    assert {r["name"] for r in mine} == {"Fish cake soup", "Fried dumplings", "Kimbap"}

    # A customer with no completed order gets the popular dishes, most ordered first (ties by name).
    response = await ai.client.get(
        "/api/ai/recommendations?limit=50", headers=ai.auth(uuid4()) | {"Accept-Language": "en"}
    )
    newcomer = [r for r in response.json()["recommendations"] if r["store_id"] == str(store)]
    assert [r["name"] for r in newcomer] == ["Kimbap", "Tteokbokki", "Fish cake soup", "Fried dumplings"]
    assert {r["basis"] for r in newcomer} == {"popular"}
    assert newcomer[0]["reason"] == "Popular with customers: in 4 completed orders."


async def test_redelivered_order_events_change_nothing(ai: AiUnderTest) -> None:
    store = uuid4()
    tteokbokki = menu_item(store, "Tteokbokki", 12000)
    fish_cake_soup = menu_item(store, "Fish cake soup", 6000)
    me, other = uuid4(), uuid4()
    placed, completed = completed_order(other, store, tteokbokki, fish_cake_soup)
    mine = completed_order(me, store, tteokbokki)
    envelopes = await ai.deliver(tteokbokki, fish_cake_soup, *mine, placed, completed)

    async def snapshot() -> tuple[object, ...]:
        async with ai.service.runtime.db.transaction() as session:
            counted = (
                await session.scalar(select(func.count()).select_from(order_lines)),
                await session.scalar(select(func.count()).select_from(orders)),
                await session.scalar(select(orders.c.status).where(orders.c.order_id == placed.order_id)),
            )
        response = await ai.client.get("/api/ai/recommendations", headers=ai.auth(me))
        return (*counted, response.json())

    before = await snapshot()
    assert before[2] == "COMPLETED"

    for envelope in envelopes:
        await ai.redeliver(envelope)  # the very same messages again
    # The same facts under new event ids, late and out of order: an early status after completion. Being
    # behind the redeliveries on their partitions, their consumption means the redeliveries were handled.
    stale = completed.model_copy(update={"status": OrderStatus.AWAITING_STORE})
    sentinels = await ai.publish(completed, placed, stale, *mine, tteokbokki, fish_cake_soup)
    await ai.processed(*sentinels)

    assert await snapshot() == before


# --- Korean -------------------------------------------------------------------------------------------


async def test_a_korean_question_finds_the_korean_review_and_is_answered_in_korean(ai: AiUnderTest) -> None:
    store = uuid4()
    tteokbokki = menu_item(store, "떡볶이", 5000)
    cheese = menu_item(store, "치즈떡볶이", 6500, sold_out=True)
    spicy = review_posted(store, "떡볶이가 진짜 매워요. 먹다가 혀가 얼얼했어요.", 4, (tteokbokki.menu_item_id,))
    spicy_en = review_posted(store, "The tteokbokki is way too spicy, I needed milk.", 3, (tteokbokki.menu_item_id,))
    await ai.deliver(
        store_updated(store, "신당 떡볶이"),
        tteokbokki,
        cheese,
        review_posted(store, "배달이 20분 만에 왔어요. 기사님도 친절했어요.", 5),
        spicy,
        review_posted(store, "치즈가 듬뿍 올라가 있어서 쭉쭉 늘어나요.", 5, (cheese.menu_item_id,)),
        spicy_en,
    )

    # Spaced and with a particle: still the 떡볶이 of the menu.
    response = await ai.client.post(
        f"/api/ai/stores/{store}/questions", json={"question": "떡 볶이가 많이 맵나요?"}, headers=ai.auth(uuid4())
    )

    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "ko"
    assert body["matches"][0]["review_id"] == str(spicy.review_id)
    assert body["matches"][0]["relevant"] is True
    assert body["answer"].startswith('이 질문에 답하는 리뷰가 1개 있어요 (평균 별점 4.0점). 가장 가까운 리뷰: "')
    assert "떡볶이 (5,000원)" in body["answer"]
    assert [m["name"] for m in body["menu_items_mentioned"]] == ["떡볶이"]

    # The same store asked in English: the English review first, an English answer, prices in won.
    response = await ai.client.post(
        f"/api/ai/stores/{store}/questions",
        json={"question": "Is the tteokbokki spicy?"},
        headers=ai.auth(uuid4()),
    )
    body = response.json()
    assert body["language"] == "en"
    assert body["matches"][0]["review_id"] == str(spicy_en.review_id)
    assert body["answer"].startswith("1 review speaks to this (average rating 3.0/5).")
    assert "떡볶이 (5,000 won)" in body["answer"]

    # Nothing in the reviews about parking: the answer says so instead of quoting something unrelated.
    response = await ai.client.post(
        f"/api/ai/stores/{store}/questions", json={"question": "주차할 곳이 있나요?"}, headers=ai.auth(uuid4())
    )
    body = response.json()
    assert body["grounded"] is False
    assert body["answer"].startswith("이 질문에 분명하게 답하는 리뷰가 없어요.")


async def test_the_answer_language_follows_the_body_then_the_question_then_accept_language(ai: AiUnderTest) -> None:
    store = uuid4()
    await ai.deliver(store_updated(store), review_posted(store, "양이 엄청 많아요.", 5))
    url = f"/api/ai/stores/{store}/questions"

    async def language(body: dict[str, object], accept: str | None = None) -> str:
        headers = ai.auth(uuid4()) | ({"Accept-Language": accept} if accept else {})
        response = await ai.client.post(url, json=body, headers=headers)
        assert response.status_code == 200, response.text
        answered: str = response.json()["language"]
        return answered

    assert await language({"question": "양 많아요?"}, "en-US,en;q=0.9") == "ko"  # the question's own language
    assert await language({"question": "양 많아요?", "language": "en"}) == "en"  # asked for explicitly
    assert await language({"question": "???"}, "en-GB, ko;q=0.5") == "en"  # nothing to detect: the header
    assert await language({"question": "???"}) == "ko"  # and without one, Korean

    response = await ai.client.post(url, json={"question": "양 많아요?", "language": "fr"}, headers=ai.auth(uuid4()))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["language"]


async def test_rows_indexed_by_another_model_are_reindexed_with_the_current_one(ai: AiUnderTest) -> None:
    store = uuid4()
    event = review_posted(store, "짬뽕 국물이 칼칼해요.", 5)
    item = menu_item(store, "짬뽕", 8500)
    await ai.deliver(store_updated(store), event, item)
    async with ai.service.runtime.db.transaction() as session:
        # As the rows of the previous model (all-MiniLM-L6-v2) were before migration 0003.
        await session.execute(
            update(reviews)
            .where(reviews.c.review_id == event.review_id)
            .values(embedding_model="all-MiniLM-L6-v2", terms=[], aspects=[])
        )
        await session.execute(
            update(menu_items)
            .where(menu_items.c.menu_item_id == item.menu_item_id)
            .values(embedding_model="all-MiniLM-L6-v2")
        )
    asked = {"question": "짬뽕 매워요?"}
    before = await ai.client.post(f"/api/ai/stores/{store}/questions", json=asked, headers=ai.auth(uuid4()))
    assert before.json()["reviews_considered"] == 0  # vectors of another model are never compared

    # What the start-up task does: batch after batch until no row of another model is left.
    while (await reindex_batch(ai.service.components)) != (0, 0):
        pass

    async with ai.service.runtime.db.transaction() as session:
        row = (await session.execute(select(reviews).where(reviews.c.review_id == event.review_id))).one()
        name_model = await session.scalar(
            select(menu_items.c.embedding_model).where(menu_items.c.menu_item_id == item.menu_item_id)
        )
    assert row.embedding_model == "multilingual-e5-small-q4" == name_model
    assert "짬뽕" in row.terms and "국물" in row.terms
    assert row.aspects == ["spicy"]
    after = await ai.client.post(f"/api/ai/stores/{store}/questions", json=asked, headers=ai.auth(uuid4()))
    assert after.json()["matches"][0]["review_id"] == str(event.review_id)
