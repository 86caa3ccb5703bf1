"""Writes orders.json: completed order histories of simulated customers over the labelled stores' menus,
with each customer's last order held out for measuring recommendations.

    uv run python services/ai/eval/simulate_orders.py   # deterministic (fixed seed); commit the output

How the customers behave (the recommender sees none of this, only the orders and the reviews):
- each has two or three stores they order from, mostly of one or two kinds;
- a third love spicy food (spicy dishes four times as likely), a quarter avoid it (a tenth as likely),
  the rest do not care; which dishes are spicy is the menu's `spicy` tag, which the reviews describe;
- each order is one main dish (a drink at a café; a dish already ordered is three times as likely:
  people have favourites), plus each side, drink or dessert with a store-specific chance: every main
  has one side it is often ordered with (60%), the others 15%;
- dishes differ in popularity (a fixed random weight per dish).
"""

import json
import random
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CUSTOMERS = 300
SEED = 12


def main() -> None:
    rng = random.Random(SEED)
    stores = {}
    for path in sorted((HERE / "stores").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        menu = raw["menu"]
        # A café has no main dish: there the drink is what an order is built around.
        central = "main" if any("main" in v.get("tags", []) for v in menu.values()) else "drink"
        mains = [k for k, v in menu.items() if central in v.get("tags", [])]
        extras = [k for k in menu if k not in mains]
        stores[path.stem] = {
            "kind": raw["kind"],
            "mains": mains,
            "extras": extras,
            "spicy": {k for k, v in menu.items() if "spicy" in v.get("tags", [])},
            "popularity": {k: rng.choice([1, 1, 2, 3, 5]) for k in menu},
            "pairing": {m: rng.choice(extras) for m in mains} if extras else {},
        }
    kinds = sorted({s["kind"] for s in stores.values()})
    history, held_out = [], []
    for number in range(CUSTOMERS):
        customer = f"c{number:03d}"
        liked_kinds = rng.sample(kinds, rng.choice([1, 2]))
        candidates = [k for k, s in stores.items() if s["kind"] in liked_kinds]
        others = [k for k in stores if k not in candidates]
        home = rng.sample(candidates, min(len(candidates), 2)) + ([rng.choice(others)] if rng.random() < 0.4 else [])
        taste = rng.random()
        spicy_factor = 4.0 if taste < 0.33 else (0.1 if taste < 0.58 else 1.0)
        ordered: set[tuple[str, str]] = set()
        orders = []
        for _ in range(rng.randint(3, 10)):
            key = rng.choice(home)
            store = stores[key]
            weights = [
                store["popularity"][m]
                * (spicy_factor if m in store["spicy"] else 1.0)
                * (3.0 if (key, m) in ordered else 1.0)
                for m in store["mains"]
            ]
            main_dish = rng.choices(store["mains"], weights)[0]
            items = [main_dish]
            for extra in store["extras"]:
                chance = 0.6 if store["pairing"].get(main_dish) == extra else 0.15
                if rng.random() < chance:
                    items.append(extra)
            ordered.update((key, i) for i in items)
            orders.append({"customer": customer, "store": key, "items": items})
        history.extend(orders[:-1])
        held_out.append(orders[-1])

    def lines(orders: list[dict[str, Any]]) -> str:
        return ",\n".join("  " + json.dumps(o, ensure_ascii=False) for o in orders)

    (HERE / "orders.json").write_text(
        f'{{"seed": {SEED},\n"history": [\n{lines(history)}\n],\n"held_out": [\n{lines(held_out)}\n]}}\n',
        encoding="utf-8",
    )
    print(f"{len(history)} orders of history, {len(held_out)} held out")


if __name__ == "__main__":
    main()
