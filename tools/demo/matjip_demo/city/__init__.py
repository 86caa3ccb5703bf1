"""The demo city: `load_city()` reads and checks the data files of Seongsu-dong (성수동), Seoul."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from matjip_demo.city.model import City, Customer, Dish, Owner, Review, Store, Window, parse_hours

__all__ = ["City", "Customer", "Dish", "Owner", "Review", "Store", "Window", "load_city", "parse_hours"]

CITY = "seongsu"


def load_city(name: str = CITY) -> City:
    """People from `<name>/people.yaml`, stores from every `<name>/stores/*.yaml` (one file per kind of food)."""
    folder = resources.files("matjip_demo.city").joinpath(name)
    people: dict[str, Any] = yaml.safe_load(folder.joinpath("people.yaml").read_text(encoding="utf-8"))
    stores: list[dict[str, Any]] = []
    for entry in sorted(folder.joinpath("stores").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            document: dict[str, Any] = yaml.safe_load(entry.read_text(encoding="utf-8"))
            stores.extend({"kind": document["kind"], **store} for store in document["stores"])
    return City.model_validate({**people, "stores": stores})
