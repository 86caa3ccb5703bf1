"""What a seeding run did: per kind of thing, how many it changed and how many it found in place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


class SeedError(Exception):
    """The city cannot be seeded as asked (say, its accounts exist with passwords of another checkout)."""


@dataclass
class SeedReport:
    changed: Counter[str] = field(default_factory=Counter)
    in_place: Counter[str] = field(default_factory=Counter)
    orders_completed: int = 0
    seconds: float = 0.0

    def change(self, thing: str, count: int = 1) -> None:
        self.changed[thing] += count

    def found(self, thing: str, count: int = 1) -> None:
        self.in_place[thing] += count

    @property
    def changes(self) -> int:
        return sum(self.changed.values())

    def lines(self) -> list[str]:
        things = list(dict.fromkeys([*self.changed, *self.in_place]))
        rows = [f"  {thing:<14} {self.changed[thing]:>4} changed, {self.in_place[thing]:>4} already in place"
                for thing in things]
        if self.orders_completed:
            rows.append(f"  {'orders':<14} {self.orders_completed:>4} placed and walked to COMPLETED for their reviews")
        verdict = "nothing changed: the city was already in place" if self.changes == 0 else f"{self.changes} changes"
        return [*rows, f"  {verdict} ({self.seconds:.0f}s)"]
