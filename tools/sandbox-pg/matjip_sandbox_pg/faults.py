"""Faults of the whole gateway (set with PUT /api/sandbox-pg/fault), for drills of a PG in trouble.

A fault applies to every call of the PG API (`/v1/...`) of every customer until it is cleared or its
time is up; the control API (scenarios, charges, the fault itself) keeps answering.

| kind  | a PG call gets                                  | the PG meanwhile                               |
| ----- | ----------------------------------------------- | ---------------------------------------------- |
| slow  | its answer after `delay_seconds`                | does the work (a charge whose caller gave up   |
|       |                                                 | waiting is still made, as with a real PG)      |
| error | 500 FAILED_INTERNAL_SYSTEM_PROCESSING at once   | does nothing                                   |
| down  | no answer: held until the caller hangs up       | does nothing                                   |
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FaultKind(StrEnum):
    SLOW = "slow"
    ERROR = "error"
    DOWN = "down"


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    delay_seconds: float | None  # slow only
    until: datetime | None  # None: until cleared
