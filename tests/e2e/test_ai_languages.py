"""Through the edge: reviews written in Korean and English after real orders; a Korean question gets a
Korean answer, an English question an English one, and the answer quotes the review that answers it."""

from typing import Any

from e2e_support import (
    Person,
    Platform,
    add_dish,
    eventually,
    expect,
    open_store,
    owner_moves,
    place_order,
    sign_up,
    wait_for_inbox,
    wait_for_status,
    wait_until_order_can_sell,
)

KOREAN_REVIEW = "떡볶이가 진짜 매워요. 먹다가 혀가 얼얼했어요."
ENGLISH_REVIEW = "The kimbap was fresh and the rice was perfectly seasoned."


def complete_order(customer: Person, owner: Person, store_id: str, dish_id: str) -> str:
    order_id: str = expect(place_order(customer, store_id, [(dish_id, 1)]), 201)["order_id"]
    wait_for_status(customer, order_id, "AWAITING_STORE")
    wait_for_inbox(owner, store_id, order_id)
    for step, body in (("accept", {"prep_minutes": 10}), ("preparing", {}), ("ready", {}), ("picked-up", {})):
        owner_moves(owner, store_id, order_id, step, **body)
    wait_for_status(customer, order_id, "COMPLETED")
    return order_id


def review(customer: Person, store_id: str, order_id: str, dish_id: str, text: str) -> None:
    body = {"order_id": order_id, "rating": 4, "text": text, "menu_item_ids": [dish_id]}
    eventually(
        lambda: customer.post(f"/api/store/stores/{store_id}/reviews", json=body).status_code == 201 or None,
        what="store to know the order completed",
    )


def test_korean_questions_get_korean_answers_and_english_questions_english_ones(platform: Platform) -> None:
    owner = sign_up(platform, "OWNER", "민서")
    customer = sign_up(platform, "CUSTOMER", "지우")
    store = open_store(owner, name="신당 떡볶이")
    tteokbokki = add_dish(owner, store["id"], name="떡볶이", price=5000)
    kimbap = add_dish(owner, store["id"], name="Kimbap", price=3500)
    wait_until_order_can_sell(customer, store["id"], [tteokbokki["id"], kimbap["id"]])
    for dish, text in ((tteokbokki, KOREAN_REVIEW), (kimbap, ENGLISH_REVIEW)):
        order_id = complete_order(customer, owner, store["id"], dish["id"])
        review(customer, store["id"], order_id, dish["id"], text)

    def ask(question: str, **headers: str) -> dict[str, Any] | None:
        response = customer.post(
            f"/api/ai/stores/{store['id']}/questions", json={"question": question}, headers=headers
        )
        body: dict[str, Any] = response.json() if response.status_code == 200 else {}
        return body if body.get("reviews_considered") == 2 else None

    korean = eventually(lambda: ask("떡 볶이가 많이 맵나요?"), what="ai to learn both reviews")
    assert korean["language"] == "ko"
    assert korean["grounded"] is True
    assert korean["matches"][0]["text"] == KOREAN_REVIEW
    assert korean["answer"].startswith("이 질문에 답하는 리뷰가 1개 있어요")
    assert "떡볶이 (5,000원)" in korean["answer"]

    english = ask("Is the kimbap fresh?", **{"Accept-Language": "ko-KR"})  # the question's language wins
    assert english is not None
    assert english["language"] == "en"
    assert english["matches"][0]["text"] == ENGLISH_REVIEW
    assert english["answer"].startswith("1 review speaks to this (average rating 4.0/5).")
    assert "Kimbap (3,500 won)" in english["answer"]

    unanswered = ask("주차할 곳이 있나요?")
    assert unanswered is not None and unanswered["grounded"] is False
    assert unanswered["answer"].startswith("이 질문에 분명하게 답하는 리뷰가 없어요.")
