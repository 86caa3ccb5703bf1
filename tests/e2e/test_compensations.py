"""Every compensation of the order saga, on the running platform (docs/saga.md)."""

import concurrent.futures

from e2e_support import (
    STORE_ACCEPT_TIMEOUT_SECONDS,
    Platform,
    charges_of,
    eventually,
    expect,
    order_status,
    owner_moves,
    pay_like,
    place_order,
    shop,
    sign_up,
    stock_of,
    wait_for_inbox,
    wait_for_status,
    wait_until_order_can_sell,
)


def test_a_declined_payment_releases_the_stock_and_cancels_with_the_reason(platform: Platform) -> None:
    s = shop(platform, stock=5)
    pay_like(platform, s.customer, "decline")
    order_id = expect(place_order(s.customer, s.store["id"], [(s.dish["id"], 2)]), 201)["order_id"]

    cancelled = wait_for_status(s.customer, order_id, "CANCELLED")
    assert cancelled["cancel_reason"] == "payment_failed"
    assert "declined" in (cancelled["cancel_detail"] or "")
    eventually(lambda: stock_of(platform, s.dish["id"]) == 5, what="the reserved stock to come back")
    assert charges_of(platform, order_id) == []


def test_a_gateway_timeout_then_success_charges_once(platform: Platform) -> None:
    s = shop(platform)
    pay_like(platform, s.customer, "timeout_then_approve")
    order_id = expect(place_order(s.customer, s.store["id"], [(s.dish["id"], 1)]), 201)["order_id"]

    assert wait_for_status(s.customer, order_id, "AWAITING_STORE")["payment_status"] == "authorized"
    assert charges_of(platform, order_id) == ["DONE"]


def test_a_charge_for_an_order_cancelled_meanwhile_is_refunded(platform: Platform) -> None:
    s = shop(platform, stock=3)
    pay_like(platform, s.customer, "timeout_then_approve")  # a slow PG keeps the payment in flight
    order_id = expect(place_order(s.customer, s.store["id"], [(s.dish["id"], 1)]), 201)["order_id"]
    wait_for_status(s.customer, order_id, "STOCK_RESERVED")

    expect(s.customer.post(f"/api/order/orders/{order_id}/cancel"), 200)

    refunded = eventually(
        lambda: (o := order_status(s.customer, order_id))["payment_status"] == "refunded" and o,
        what="the late charge to be refunded",
    )
    assert refunded["status"] == "CANCELLED" and refunded["cancel_reason"] == "customer_cancelled"
    eventually(lambda: charges_of(platform, order_id) == ["CANCELED"], what="the PG to show the charge cancelled")
    eventually(lambda: stock_of(platform, s.dish["id"]) == 3, what="the stock to come back")


def test_a_store_rejection_refunds_and_cancels(platform: Platform) -> None:
    s = shop(platform, stock=4)
    order_id = expect(place_order(s.customer, s.store["id"], [(s.dish["id"], 1)]), 201)["order_id"]
    wait_for_status(s.customer, order_id, "AWAITING_STORE")
    wait_for_inbox(s.owner, s.store["id"], order_id)

    owner_moves(s.owner, s.store["id"], order_id, "reject", reason="Out of rice tonight")

    cancelled = eventually(
        lambda: (o := order_status(s.customer, order_id))["payment_status"] == "refunded" and o,
        what="the refund after the rejection",
    )
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("CANCELLED", "store_rejected")
    assert charges_of(platform, order_id) == ["CANCELED"]
    eventually(lambda: stock_of(platform, s.dish["id"]) == 4, what="the stock to come back")


def test_a_store_that_does_not_answer_in_time_loses_the_order_and_the_customer_is_refunded(
    platform: Platform,
) -> None:
    s = shop(platform, stock=4)
    order_id = expect(place_order(s.customer, s.store["id"], [(s.dish["id"], 1)]), 201)["order_id"]
    wait_for_status(s.customer, order_id, "AWAITING_STORE")

    cancelled = wait_for_status(s.customer, order_id, "CANCELLED", timeout=STORE_ACCEPT_TIMEOUT_SECONDS + 30)
    assert cancelled["cancel_reason"] == "store_timeout"
    eventually(lambda: order_status(s.customer, order_id)["payment_status"] == "refunded", what="the refund")
    late = s.owner.post(f"/api/store/stores/{s.store['id']}/orders/{order_id}/accept", json={"prep_minutes": 5})
    assert late.status_code == 409  # withdrawn from the inbox, or past its deadline
    eventually(lambda: stock_of(platform, s.dish["id"]) == 4, what="the stock to come back")


def test_a_customer_may_cancel_before_acceptance_but_not_after(platform: Platform) -> None:
    s = shop(platform)
    early = expect(place_order(s.customer, s.store["id"], [(s.dish["id"], 1)]), 201)["order_id"]
    wait_for_status(s.customer, early, "AWAITING_STORE")
    assert expect(s.customer.post(f"/api/order/orders/{early}/cancel"), 200)["status"] == "CANCELLED"
    eventually(lambda: order_status(s.customer, early)["payment_status"] == "refunded", what="the refund")

    late = expect(place_order(s.customer, s.store["id"], [(s.dish["id"], 1)]), 201)["order_id"]
    wait_for_status(s.customer, late, "AWAITING_STORE")
    wait_for_inbox(s.owner, s.store["id"], late)
    owner_moves(s.owner, s.store["id"], late, "accept", prep_minutes=20)
    wait_for_status(s.customer, late, "ACCEPTED")
    refused = s.customer.post(f"/api/order/orders/{late}/cancel")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "order_not_cancellable"
    assert order_status(s.customer, late)["status"] == "ACCEPTED"

    stranger = sign_up(platform, "CUSTOMER")
    assert stranger.post(f"/api/order/orders/{late}/cancel").status_code in (403, 404)


def test_a_sold_out_dish_or_a_closed_store_is_refused_at_checkout(platform: Platform) -> None:
    s = shop(platform, stock=1)
    expect(s.owner.put(f"/api/store/stores/{s.store['id']}/menu-items/{s.dish['id']}/stock", json={"quantity": 0}), 200)
    eventually(
        lambda: place_order(s.customer, s.store["id"], [(s.dish["id"], 1)]).status_code == 409,
        what="order to learn the dish is sold out",
    )
    refused = place_order(s.customer, s.store["id"], [(s.dish["id"], 1)])
    assert refused.json()["code"] == "item_sold_out"
    assert "Bibimbap" in refused.json()["detail"]

    other = shop(platform)
    expect(other.owner.patch(f"/api/store/stores/{other.store['id']}", json={"accepting_orders": False}), 200)
    eventually(
        lambda: place_order(other.customer, other.store["id"], [(other.dish["id"], 1)]).status_code == 409,
        what="order to learn the store is closed",
    )
    closed = place_order(other.customer, other.store["id"], [(other.dish["id"], 1)])
    assert closed.json()["code"] == "store_closed"
    assert platform.sql(
        "SELECT count(*) AS n FROM ordering.orders WHERE store_id = ANY($1::uuid[])",
        [s.store["id"], other.store["id"]],
    )[0]["n"] == 0


def test_two_customers_racing_for_the_last_unit_exactly_one_gets_it(platform: Platform) -> None:
    s = shop(platform, stock=1)
    rival = sign_up(platform, "CUSTOMER")
    wait_until_order_can_sell(rival, s.store["id"], [s.dish["id"]])

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        responses = list(
            pool.map(lambda who: place_order(who, s.store["id"], [(s.dish["id"], 1)]), [s.customer, rival])
        )
    order_ids = [expect(r, 201)["order_id"] for r in responses]
    owners = [s.customer, rival]

    def settled() -> list[dict[str, str]] | None:
        states = [order_status(who, oid) for who, oid in zip(owners, order_ids, strict=True)]
        done = all(o["status"] in ("AWAITING_STORE", "CANCELLED") for o in states)
        return states if done else None

    states = eventually(settled, timeout=40, what="both orders to settle")
    assert sorted(o["status"] for o in states) == ["AWAITING_STORE", "CANCELLED"]
    [lost] = [o for o in states if o["status"] == "CANCELLED"]
    assert lost["cancel_reason"] == "sold_out"
    assert stock_of(platform, s.dish["id"]) == 0
