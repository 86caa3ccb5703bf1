"""Settings of the sandbox PG: the platform's MATJIP_* variables (database, port, logs) and its own
MATJIP_SANDBOX_PG_* ones."""

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from matjip_contracts.services import SANDBOX_PG
from matjip_platform.settings import ServiceSettings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# It approves whatever it is told to: it never runs where a customer could pay.
SANDBOX_ENVIRONMENTS = frozenset({"local", "dev"})


class SandboxPgSettings(ServiceSettings):
    service_name: str = SANDBOX_PG.name
    db_schema: str = SANDBOX_PG.schema
    http_port: int = SANDBOX_PG.port
    # The merchant secret key its PG API accepts (Toss's basic auth), never a committed value: `./matjip up`
    # makes one per checkout and gives the same to payment, tests make one per session.
    sandbox_pg_secret_key: SecretStr
    # The longest a call is left without an answer (timeout_then_approve, the `down` fault) when its
    # caller does not hang up first.
    sandbox_pg_hold_seconds: float = Field(default=120.0, gt=0)

    @model_validator(mode="after")
    def _only_where_nobody_pays(self) -> "SandboxPgSettings":
        if self.environment not in SANDBOX_ENVIRONMENTS:
            raise ValueError(
                f"the sandbox payment gateway is refused in environment {self.environment!r}: "
                f"it runs in {', '.join(sorted(SANDBOX_ENVIRONMENTS))} only"
            )
        if not self.sandbox_pg_secret_key.get_secret_value():
            raise ValueError("MATJIP_SANDBOX_PG_SECRET_KEY is required (the key payment's adapter sends)")
        return self
