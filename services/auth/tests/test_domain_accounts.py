"""Account rules and password hashing."""

import pytest

from matjip_auth.domain.accounts import check_self_registration, normalize_email, password_problem
from matjip_auth.domain.errors import RoleNotSelfAssignable
from matjip_auth.domain.passwords import Passwords
from matjip_contracts.events.common import Role


@pytest.mark.parametrize(
    ("password", "acceptable"),
    [("123456789", False), ("1234567890", True), (" " * 12, False), ("x" * 256, True), ("x" * 257, False)],
)
def test_password_policy(password: str, acceptable: bool) -> None:
    assert (password_problem(password) is None) is acceptable


def test_emails_compare_case_insensitively() -> None:
    assert normalize_email("  Kim.Minji@Example.COM ") == "kim.minji@example.com"


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.OWNER])
def test_customers_and_owners_register_themselves(role: Role) -> None:
    check_self_registration(role)


def test_nobody_self_registers_as_admin() -> None:
    with pytest.raises(RoleNotSelfAssignable):
        check_self_registration(Role.ADMIN)


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords()


def test_passwords_are_hashed_with_argon2id_and_salted(passwords: Passwords) -> None:
    first, second = passwords.hash("correct horse battery"), passwords.hash("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second
    assert "correct horse battery" not in first


def test_a_password_verifies_only_against_its_own_hash(passwords: Passwords) -> None:
    stored = passwords.hash("correct horse battery")
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse battery!")
    assert not passwords.verify("not-a-hash", "correct horse battery")
    assert not passwords.needs_rehash(stored)


def test_an_unknown_account_never_verifies(passwords: Passwords) -> None:
    assert not passwords.verify(None, "")
    assert not passwords.verify(None, "correct horse battery")
