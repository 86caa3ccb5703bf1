"""Address-book rules and phone numbers."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from matjip_user.domain.addresses import (
    MAX_ADDRESSES,
    Address,
    default_after_removal,
    find_address,
    new_address_is_default,
    ordered,
)
from matjip_user.domain.errors import AddressLimitReached, AddressNotFound
from matjip_user.domain.profiles import normalize_phone

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
OWNER = uuid4()


def address(minutes: int, *, default: bool = False) -> Address:
    created = T0 + timedelta(minutes=minutes)
    return Address(
        address_id=uuid4(),
        user_id=OWNER,
        label=f"#{minutes}",
        line1="서울특별시 마포구 양화로 45",
        line2=None,
        postal_code="04036",
        delivery_note=None,
        is_default=default,
        created_at=created,
        updated_at=created,
    )


def test_the_first_address_becomes_the_default() -> None:
    assert new_address_is_default([]) is True


def test_later_addresses_do_not_take_the_default() -> None:
    assert new_address_is_default([address(0, default=True)]) is False


def test_an_address_book_is_limited() -> None:
    full = [address(i, default=i == 0) for i in range(MAX_ADDRESSES)]
    with pytest.raises(AddressLimitReached):
        new_address_is_default(full)
    assert new_address_is_default(full[:-1]) is False


def test_deleting_the_default_promotes_the_oldest_remaining_address() -> None:
    home, office, parents = address(5, default=True), address(1), address(9)
    assert default_after_removal([home, office, parents], home.address_id) == office.address_id


def test_deleting_another_address_keeps_the_default() -> None:
    home, office = address(0, default=True), address(1)
    assert default_after_removal([home, office], office.address_id) is None


def test_deleting_the_last_address_leaves_no_default() -> None:
    home = address(0, default=True)
    assert default_after_removal([home], home.address_id) is None


def test_equal_creation_times_still_promote_deterministically() -> None:
    home, a, b = address(0, default=True), address(1), address(1)
    expected = min(a.address_id, b.address_id, key=lambda i: UUID(str(i)))
    assert default_after_removal([home, b, a], home.address_id) == expected


def test_an_address_outside_the_book_is_not_found() -> None:
    book = [address(0, default=True)]
    stranger = uuid4()
    with pytest.raises(AddressNotFound):
        find_address(book, stranger)
    with pytest.raises(AddressNotFound):
        default_after_removal(book, stranger)


def test_the_book_shows_the_default_first_then_oldest_first() -> None:
    old, default, newer = address(0), address(5, default=True), address(9)
    assert ordered([newer, old, default]) == [default, old, newer]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("010-1234-5678", "+821012345678"),
        ("01012345678", "+821012345678"),
        ("+82 10 1234 5678", "+821012345678"),
        ("02-312-3456", "+8223123456"),
        ("+1 650-253-0000", "+16502530000"),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "12", "not a number", "010-1234"])
def test_what_is_not_a_phone_number_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_phone(raw)
