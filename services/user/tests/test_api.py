"""user's API against the real PostgreSQL, Redis and Kafka: profiles built from UserRegistered,
own-profile edits, the address-book default rules, and who may see what."""

import asyncio
from uuid import uuid4

from sqlalchemy import func, select

from matjip_contracts.events.common import Role
from matjip_platform.testing import TestKeys
from matjip_user.domain.addresses import MAX_ADDRESSES
from matjip_user.repository.tables import profiles

from .harness import (
    HOME,
    OFFICE,
    PARENTS,
    UserUnderTest,
    add_address,
    address_book,
    consumed,
    defaults,
    eventually,
    problem_code,
    profile_arrives,
    registered,
)

# --- profiles from events ----------------------------------------------------------------------------


async def test_a_profile_appears_once_user_registered_is_consumed(user: UserUnderTest) -> None:
    user_id = uuid4()
    early = await user.service.client.get("/api/user/me", headers=user.auth(user_id, Role.OWNER))
    assert early.status_code == 404
    assert problem_code(early) == "profile_not_ready"

    await user.register(user_id, role=Role.OWNER, display_name="Park Jisoo", email="jisoo@example.com")
    profile = await profile_arrives(user, user_id)

    assert profile["user_id"] == str(user_id)
    assert (profile["email"], profile["role"], profile["display_name"], profile["phone"]) == (
        "jisoo@example.com",
        "OWNER",
        "Park Jisoo",
        None,
    )


async def test_a_redelivered_user_registered_changes_nothing(user: UserUnderTest) -> None:
    user_id, original = await user.register()
    await profile_arrives(user, user_id)
    edited = await user.service.client.patch(
        "/api/user/me", json={"display_name": "Minji", "phone": "010-1234-5678"}, headers=user.auth(user_id)
    )
    assert edited.status_code == 200
    duplicates_before = consumed(user.topic, "duplicate")

    # The very same message again (a consumer restarted before committing its offset) ...
    await user.redeliver(original)

    async def duplicate_skipped() -> bool:
        return bool(consumed(user.topic, "duplicate") > duplicates_before)

    await eventually(duplicate_skipped)
    # ... and the same registration re-published as a new message (a replayed topic).
    republished = await user.send(original.parse().model_copy(update={"display_name": "Someone Else"}))
    await user.processed(republished, timeout=30.0)

    profile = (await user.service.client.get("/api/user/me", headers=user.auth(user_id))).json()
    assert (profile["display_name"], profile["phone"]) == ("Minji", "+821012345678")
    assert profile["updated_at"] == edited.json()["updated_at"]
    async with user.service.runtime.db.transaction() as conn:
        assert await conn.scalar(select(func.count()).where(profiles.c.user_id == user_id)) == 1


# --- own profile -------------------------------------------------------------------------------------


async def test_a_user_edits_their_name_and_phone(user: UserUnderTest) -> None:
    user_id = await registered(user)
    client, me = user.service.client, user.auth(user_id)

    changed = await client.patch("/api/user/me", json={"phone": "+82 10 9876 5432"}, headers=me)
    assert changed.status_code == 200
    assert (changed.json()["display_name"], changed.json()["phone"]) == ("Kim Minji", "+821098765432")

    renamed = await client.patch("/api/user/me", json={"display_name": "  Minji  ", "phone": None}, headers=me)
    assert (renamed.json()["display_name"], renamed.json()["phone"]) == ("Minji", None)


async def test_invalid_profile_changes_name_the_field_and_change_nothing(user: UserUnderTest) -> None:
    user_id = await registered(user)
    client, me = user.service.client, user.auth(user_id)
    before = (await client.get("/api/user/me", headers=me)).json()

    for body, field in [
        ({"phone": "12345"}, "phone"),
        ({"display_name": None}, "display_name"),
        ({"display_name": ""}, "display_name"),
        ({"email": "new@example.com"}, "email"),  # the email belongs to auth
        ({"display_name": "Minji", "phone": "not a phone"}, "phone"),
    ]:
        refused = await client.patch("/api/user/me", json=body, headers=me)
        assert refused.status_code == 422, body
        assert [e["field"] for e in refused.json()["errors"]] == [field]

    assert (await client.get("/api/user/me", headers=me)).json() == before


# --- address book ------------------------------------------------------------------------------------


async def test_the_first_address_is_the_default_and_exactly_one_default_remains(user: UserUnderTest) -> None:
    user_id = await registered(user)
    client, me = user.service.client, user.auth(user_id)

    home = await add_address(user, user_id, HOME)
    assert home["is_default"] is True
    office = await add_address(user, user_id, OFFICE)
    parents = await add_address(user, user_id, PARENTS)
    assert office["is_default"] is parents["is_default"] is False
    assert [a["label"] for a in await address_book(user, user_id)] == ["Home", "Office", "Parents"]

    made_default = await client.post(f"/api/user/me/addresses/{parents['address_id']}/default", headers=me)
    assert made_default.status_code == 200
    assert made_default.json()["is_default"] is True
    book = await address_book(user, user_id)
    assert defaults(book) == ["Parents"]
    assert book[0]["label"] == "Parents"  # the default is listed first

    again = await client.post(f"/api/user/me/addresses/{parents['address_id']}/default", headers=me)
    assert again.status_code == 200
    assert defaults(await address_book(user, user_id)) == ["Parents"]

    # Deleting a non-default keeps the default; deleting the default promotes the oldest remaining.
    assert (await client.delete(f"/api/user/me/addresses/{office['address_id']}", headers=me)).status_code == 204
    assert defaults(await address_book(user, user_id)) == ["Parents"]
    assert (await client.delete(f"/api/user/me/addresses/{parents['address_id']}", headers=me)).status_code == 204
    assert defaults(await address_book(user, user_id)) == ["Home"]
    assert (await client.delete(f"/api/user/me/addresses/{home['address_id']}", headers=me)).status_code == 204
    assert await address_book(user, user_id) == []

    assert (await add_address(user, user_id, OFFICE))["is_default"] is True  # a fresh start


async def test_concurrent_first_addresses_still_make_exactly_one_default(user: UserUnderTest) -> None:
    user_id = await registered(user)
    created = await asyncio.gather(*(add_address(user, user_id, HOME | {"label": f"#{i}"}) for i in range(6)))
    assert sum(a["is_default"] for a in created) == 1
    assert len(defaults(await address_book(user, user_id))) == 1


async def test_an_address_is_edited_field_by_field(user: UserUnderTest) -> None:
    user_id = await registered(user)
    client, me = user.service.client, user.auth(user_id)
    home = await add_address(user, user_id, HOME | {"delivery_note": "문 앞에 놓아주세요"})

    changed = await client.patch(
        f"/api/user/me/addresses/{home['address_id']}", json={"line2": None, "label": "Home (new)"}, headers=me
    )
    assert changed.status_code == 200
    body = changed.json()
    assert (body["label"], body["line2"], body["line1"], body["delivery_note"], body["is_default"]) == (
        "Home (new)",
        None,
        HOME["line1"],
        "문 앞에 놓아주세요",
        True,
    )

    for patch, field in [
        ({"line1": None}, "line1"),
        ({"postal_code": "1234"}, "postal_code"),
        ({"is_default": False}, "is_default"),
    ]:
        refused = await client.patch(f"/api/user/me/addresses/{home['address_id']}", json=patch, headers=me)
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert (await address_book(user, user_id))[0] == body


async def test_an_address_keeps_where_it_is_on_the_map_until_told_to_forget(user: UserUnderTest) -> None:
    user_id = await registered(user)
    client, me = user.service.client, user.auth(user_id)
    city_hall = {"lat": 37.5665, "lng": 126.978}
    home = await add_address(user, user_id, HOME | {"location": city_hall})
    assert home["location"] == city_hall
    office = await add_address(user, user_id, OFFICE)
    assert office["location"] is None

    moved = await client.patch(
        f"/api/user/me/addresses/{office['address_id']}", json={"location": {"lat": 37.5, "lng": 127.03}}, headers=me
    )
    assert moved.json()["location"] == {"lat": 37.5, "lng": 127.03}
    renamed = await client.patch(f"/api/user/me/addresses/{home['address_id']}", json={"label": "집"}, headers=me)
    assert renamed.json()["location"] == city_hall  # untouched when not sent
    forgot = await client.patch(f"/api/user/me/addresses/{home['address_id']}", json={"location": None}, headers=me)
    assert forgot.json()["location"] is None

    for location, field in [({"lat": 91, "lng": 0}, "location.lat"), ({"lat": 37.5}, "location.lng")]:
        refused = await client.post("/api/user/me/addresses", json=PARENTS | {"location": location}, headers=me)
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert len(await address_book(user, user_id)) == 2


async def test_an_invalid_new_address_names_the_field_and_is_not_stored(user: UserUnderTest) -> None:
    user_id = await registered(user)
    refused = await user.service.client.post(
        "/api/user/me/addresses", json=HOME | {"postal_code": "ABCDE"}, headers=user.auth(user_id)
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["postal_code"]
    missing = await user.service.client.post(
        "/api/user/me/addresses", json={"label": "x", "postal_code": "04036"}, headers=user.auth(user_id)
    )
    assert [e["field"] for e in missing.json()["errors"]] == ["line1"]
    assert await address_book(user, user_id) == []


async def test_an_address_book_is_limited(user: UserUnderTest) -> None:
    user_id = await registered(user)
    for i in range(MAX_ADDRESSES):
        await add_address(user, user_id, OFFICE | {"label": f"#{i}"})
    full = await user.service.client.post("/api/user/me/addresses", json=HOME, headers=user.auth(user_id))
    assert full.status_code == 409
    assert problem_code(full) == "address_limit_reached"


async def test_addresses_need_a_profile(user: UserUnderTest) -> None:
    response = await user.service.client.post("/api/user/me/addresses", json=HOME, headers=user.auth(uuid4()))
    assert response.status_code == 404
    assert problem_code(response) == "profile_not_ready"


# --- who may see what --------------------------------------------------------------------------------


async def test_another_customer_can_neither_see_nor_change_someones_addresses(user: UserUnderTest) -> None:
    owner, other = await registered(user), await registered(user)
    home = await add_address(user, owner, HOME)
    office = await add_address(user, owner, OFFICE)
    await add_address(user, other, PARENTS)
    client, intruder = user.service.client, user.auth(other)
    before = await address_book(user, owner)

    assert [a["label"] for a in await address_book(user, other)] == ["Parents"]
    patched = await client.patch(
        f"/api/user/me/addresses/{home['address_id']}", json={"label": "Mine"}, headers=intruder
    )
    defaulted = await client.post(f"/api/user/me/addresses/{office['address_id']}/default", headers=intruder)
    deleted = await client.delete(f"/api/user/me/addresses/{home['address_id']}", headers=intruder)
    looked_up = await client.get(f"/api/user/users/{owner}", headers=intruder)

    for response in (patched, defaulted, deleted):
        assert response.status_code == 404  # indistinguishable from an address that does not exist
        assert problem_code(response) == "address_not_found"
    assert looked_up.status_code == 403
    assert problem_code(looked_up) == "role_required"
    assert await address_book(user, owner) == before
    assert [a["label"] for a in await address_book(user, other)] == ["Parents"]


async def test_an_admin_may_read_any_user(user: UserUnderTest) -> None:
    customer = await registered(user)
    await add_address(user, customer, HOME)
    admin = user.auth(uuid4(), Role.ADMIN)

    found = await user.service.client.get(f"/api/user/users/{customer}", headers=admin)
    assert found.status_code == 200
    assert found.json()["user_id"] == str(customer)
    assert [a["label"] for a in found.json()["addresses"]] == ["Home"]
    unknown = await user.service.client.get(f"/api/user/users/{uuid4()}", headers=admin)
    assert unknown.status_code == 404
    assert problem_code(unknown) == "user_not_found"


async def test_every_endpoint_needs_a_verified_token(user: UserUnderTest) -> None:
    client = user.service.client
    anonymous = await client.get("/api/user/me")
    assert anonymous.status_code == 401
    assert problem_code(anonymous) == "missing_token"
    # A token signed by someone else's key is refused even though its claims look right.
    forged = TestKeys(kid=user.keys.kid).auth_header(uuid4())
    refused = await client.get("/api/user/me/addresses", headers=forged)
    assert refused.status_code == 401
    assert problem_code(refused) == "invalid_token"
