"""Whether an error says the database cannot be reached, as opposed to a statement or its caller failing.

A consumer waits for such a database without spending the message's attempts (matjip_platform.consumer);
an HTTP request that meets one is answered 503 with Retry-After (matjip_platform.errors), not 500: the
request was fine, and PostgreSQL restarting is over in seconds.
"""

import asyncpg

__all__ = ["database_unavailable"]

# PostgreSQL refusing connections or cutting them, restarting or shutting down (SQLSTATE class 57, operator
# intervention; 08, connection exceptions): the database is unavailable, the message may be fine.
_UNREACHABLE = (
    ConnectionRefusedError,
    ConnectionResetError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (refused, restarting, shutting down, a connection
    cut), as opposed to a statement or a handler failing: anywhere in its chain of causes."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _UNREACHABLE) or getattr(current, "connection_invalidated", False):
            return True
        orig = getattr(current, "orig", None)
        pending += [current.__cause__, current.__context__, orig if isinstance(orig, BaseException) else None]
    return False
