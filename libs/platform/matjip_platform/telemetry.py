"""Tracing: one TracerProvider per process, W3C context carried through HTTP, the outbox and Kafka."""

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from starlette.types import ASGIApp, Receive, Scope, Send

from matjip_platform.settings import ServiceSettings

_provider: TracerProvider | None = None

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class EveryWriteSomeReads(Sampler):
    """Which new traces are kept: every one that starts with a change (a checkout, an owner's action, a
    consumed event or a background task, and so everything that follows from it through the outbox and
    Kafka), and a share of those that start with a read (browsing menus and stores, which is most of the
    traffic and tells little the metrics don't). So every order's traces stay findable by its id, while
    browsing at a thousand requests a second does not pay for exporting its spans."""

    def __init__(self, read_ratio: float) -> None:
        self._reads = TraceIdRatioBased(read_ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.SERVER and _request_method(name, attributes) in READ_METHODS:
            return self._reads.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return f"EveryWriteSomeReads{{{self._reads.get_description()}}}"


def _request_method(name: str, attributes: Attributes) -> str:
    if attributes:
        method = attributes.get("http.request.method") or attributes.get("http.method")
        if isinstance(method, str):
            return method
    return name.split(" ", 1)[0]


def sampler(settings: ServiceSettings) -> Sampler:
    """A trace continues as its parent decided; a new one is kept as `EveryWriteSomeReads` says."""
    return ParentBased(root=EveryWriteSomeReads(settings.trace_read_sample_ratio))


def setup_tracing(settings: ServiceSettings, extra_processor: SpanProcessor | None = None) -> TracerProvider:
    """Install the process's tracer provider. Spans always exist (logs carry their ids); they are
    exported only where an endpoint is configured: OTLP in clusters, Zipkin in the local stack."""
    global _provider
    if _provider is not None:
        return _provider
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.service_name}), sampler=sampler(settings)
    )
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
    if settings.zipkin_endpoint:
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        provider.add_span_processor(BatchSpanProcessor(ZipkinExporter(endpoint=settings.zipkin_endpoint)))
    if extra_processor is not None:
        provider.add_span_processor(extra_processor)
    trace.set_tracer_provider(provider)
    _provider = provider
    return provider


def shutdown_tracing() -> None:
    if _provider is not None:
        _provider.force_flush(timeout_millis=5000)


def tracer() -> trace.Tracer:
    return trace.get_tracer("matjip")


def current_trace_headers() -> dict[str, str]:
    """The W3C headers (traceparent/tracestate) of the current span, to store or send along."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, str]) -> Context:
    return propagate.extract(dict(headers))


def current_trace_ids() -> tuple[str, str] | None:
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def set_order_id(order_id: object) -> None:
    """Tag the current span with the order it is about, so one search finds every span of an order."""
    trace.get_current_span().set_attribute("matjip.order_id", str(order_id))


def bookkeeping() -> AbstractContextManager[None]:
    """The platform's own statements (inbox claims, outbox rows, the relay's batches) make no SQL spans:
    a trace tells what the service did, and these would be most of its spans."""
    return suppress_instrumentation()


class UnsampledRequestsMakeNoSpans:
    """ASGI middleware (inside the tracing middleware): a request whose trace is not kept does not ask the
    SQL, Redis and HTTP-client instrumentations to prepare spans that would be dropped anyway."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not trace.get_current_span().is_recording():
            with suppress_instrumentation():
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)
