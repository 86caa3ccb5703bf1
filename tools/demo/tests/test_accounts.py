"""Demo credentials live in .data/demo.env, generated once per checkout, readable by a shell."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from matjip_demo.accounts import Urls, demo_accounts, demo_credentials, read_env, write_demo_env
from matjip_demo.city import load_city


def test_the_key_is_made_once_and_kept(tmp_path: Path) -> None:
    env = tmp_path / ".data" / "demo.env"
    first = demo_credentials(env)
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert demo_credentials(env) == first
    assert demo_credentials(tmp_path / "other.env") != first  # another checkout, other passwords


def test_passwords_are_derived_per_person(tmp_path: Path) -> None:
    credentials = demo_credentials(tmp_path / "demo.env")
    a, b = credentials.password("a@x.test"), credentials.password("b@x.test")
    assert a != b and len(a) >= 20
    assert credentials.password("a@x.test") == a


def test_the_file_sources_in_bash_and_reads_back(tmp_path: Path) -> None:
    env, city = tmp_path / "demo.env", load_city()
    credentials = demo_credentials(env)
    write_demo_env(env, city, credentials, Urls("http://127.0.0.1:8080", "http://z", "http://p"))
    customer, owner = demo_accounts(city, credentials)
    values = read_env(env)
    assert values["DEMO_PEOPLE_KEY"] == credentials.people_key  # rewriting keeps the key
    assert (values["DEMO_CUSTOMER_EMAIL"], values["DEMO_CUSTOMER_PASSWORD"]) == (customer.email, customer.password)
    assert values["DEMO_STORE_NAME"] == "뚝섬 24시 분식"
    shell = subprocess.run(["bash", "-c", f"source {env} && echo \"$DEMO_STORE_NAME|$DEMO_OWNER_PASSWORD\""],
                           capture_output=True, text=True, check=True)
    assert shell.stdout.strip() == f"뚝섬 24시 분식|{owner.password}"


def test_up_offers_the_city_only_on_an_empty_platform_and_never_forces_it() -> None:
    from matjip_demo.commands import wants_the_city

    def yes(_: str) -> str:
        return ""

    def no(_: str) -> str:
        return "n"

    def closed(_: str) -> str:
        raise EOFError

    assert wants_the_city(empty=True, asked_for=False, ask=yes)  # Enter at the prompt: yes
    assert not wants_the_city(empty=True, asked_for=False, ask=no)
    assert not wants_the_city(empty=True, asked_for=False, ask=closed)
    assert not wants_the_city(empty=True, asked_for=False, ask=None)  # no terminal: only a hint
    assert wants_the_city(empty=True, asked_for=True, ask=None)  # ./matjip up --seed
    assert not wants_the_city(empty=False, asked_for=True, ask=yes)  # a platform with stores is left alone
