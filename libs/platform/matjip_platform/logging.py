"""JSON logs on stdout with service, trace and order ids; secrets never reach a log line."""

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import orjson
import structlog

from matjip_platform.telemetry import current_trace_ids

REDACTED = "[REDACTED]"
_SECRET_KEYS = re.compile(
    r"pass(word)?|secret|token|authorization|cookie|api[_-]?key|private[_-]?key|refresh", re.IGNORECASE
)
# Bearer tokens and JWTs inside free text (an exception message, a URL) are masked too.
_SECRET_TEXT = re.compile(r"(Bearer\s+)[\w\-.~+/]+=*|eyJ[\w-]+\.[\w-]+\.[\w-]*", re.IGNORECASE)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return _SECRET_TEXT.sub(lambda m: (m.group(1) or "") + REDACTED, value)
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEYS.search(str(k)) else _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


def redact_secrets(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if _SECRET_KEYS.search(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact_value(event_dict[key])
    return event_dict


def add_trace_ids(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    ids = current_trace_ids()
    if ids is not None:
        event_dict.setdefault("trace_id", ids[0])
        event_dict.setdefault("span_id", ids[1])
    return event_dict


class StdoutLines:
    """Writes each rendered line to whatever `sys.stdout` is at that moment, flushed at once: a
    process's stdout goes to its log file line by line, and a test's capture may swap the stream."""

    def msg(self, message: bytes) -> None:
        out = sys.stdout
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            out.write(message.decode() + "\n")
            out.flush()
            return
        buffer.write(message + b"\n")
        buffer.flush()

    debug = info = warning = warn = error = err = critical = exception = fatal = log = msg


_STDOUT_LINES = StdoutLines()


def setup_logging(service: str, level: str = "INFO") -> None:
    """The service's own lines go straight from structlog to stdout as JSON (orjson, no stdlib `logging`
    record on the way: a line per handled event must cost microseconds, not a tenth of a millisecond);
    libraries' lines (uvicorn, aiokafka, SQLAlchemy) pass through the same processors via `logging`."""

    def add_service(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        event_dict.setdefault("service", service)
        return event_dict

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        add_service,
        add_trace_ids,
        structlog.processors.format_exc_info,
        redact_secrets,
    ]
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        numeric_level = logging.INFO
    structlog.configure(
        processors=[*shared, structlog.processors.JSONRenderer(serializer=orjson.dumps)],
        logger_factory=lambda *_: _STDOUT_LINES,
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access lines duplicate the RED metrics and carry query strings; keep them at debug.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
