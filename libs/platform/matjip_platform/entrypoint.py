"""`python -m matjip_<name> serve|migrate`: every service's command line.

`migrate` imports only what migrating needs (alembic, the service's tables): a migration Job, or the
local stack starting up, spends its seconds migrating rather than importing the web stack, the Kafka
client and (for ai) the language models. `serve` imports the service's definition (its `app` module).
"""

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from matjip_contracts.services import ServiceEntry, service


def migrations_dir(entry: ServiceEntry) -> Path:
    """`services/<name>/migrations`, beside the service's package."""
    found = importlib.util.find_spec(entry.module)
    if found is None or found.origin is None:
        raise SystemExit(f"{entry.module} is not installed")
    return Path(found.origin).resolve().parent.parent / "migrations"


def migrate(entry: ServiceEntry) -> None:
    import structlog

    from matjip_platform.logging import setup_logging
    from matjip_platform.migrations import upgrade_to_head
    from matjip_platform.settings import ServiceSettings

    settings = ServiceSettings()
    if settings.service_name == "service":
        settings.service_name = entry.name
    if not settings.db_schema:
        settings.db_schema = entry.schema
    setup_logging(settings.service_name, settings.log_level)
    log = structlog.get_logger(__name__)
    state = upgrade_to_head(settings, migrations_dir(entry))
    if state.warning:
        log.warning("schema_newer_than_image", detail=state.warning)
    log.info("migrations_applied", schema=settings.schema_name, revision=state.database)


def main(name: str, argv: Sequence[str] | None = None) -> None:
    entry = service(name)
    parser = argparse.ArgumentParser(prog=f"python -m {entry.module}", description=f"Matjip {name}")
    parser.add_argument("command", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    if args.command == "migrate":
        migrate(entry)
    else:
        from matjip_platform.service import serve

        serve(importlib.import_module(f"{entry.module}.app").definition)  # SIGTERM: a graceful shutdown
    sys.exit(0)
