"""`python -m matjip_sandbox_pg migrate|serve`, as a service is run.

`migrate` imports only what migrating needs (as the services' entry point does): `./matjip up` spends
its seconds migrating, not importing the web stack."""

import argparse
import sys
from collections.abc import Sequence

import structlog

from matjip_platform.logging import setup_logging
from matjip_sandbox_pg.settings import MIGRATIONS_DIR, SandboxPgSettings

log = structlog.get_logger(__name__)


def migrate(settings: SandboxPgSettings) -> None:
    from matjip_platform.migrations import upgrade_to_head

    state = upgrade_to_head(settings, MIGRATIONS_DIR)
    if state.warning:
        log.warning("schema_newer_than_image", detail=state.warning)
    log.info("migrations_applied", schema=settings.schema_name, revision=state.database)


def serve(settings: SandboxPgSettings) -> None:
    import uvicorn
    import uvloop

    from matjip_platform import instrumentation
    from matjip_platform.service import uvicorn_config
    from matjip_platform.telemetry import setup_tracing
    from matjip_sandbox_pg.app import create_app

    setup_tracing(settings)  # its spans join the order's trace: payment's adapter sends traceparent
    app = create_app(settings)
    instrumentation.instrument(app)
    uvloop.run(uvicorn.Server(uvicorn_config(app, settings)).serve())  # SIGTERM: graceful shutdown


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m matjip_sandbox_pg", description="Matjip's sandbox payment gateway")
    parser.add_argument("command", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    settings = SandboxPgSettings()
    setup_logging(settings.service_name, settings.log_level)
    if args.command == "migrate":
        migrate(settings)
    else:
        serve(settings)
    sys.exit(0)


if __name__ == "__main__":
    main()
