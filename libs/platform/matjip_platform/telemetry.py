"""Tracing: one TracerProvider per process, W3C context carried through HTTP, the outbox and Kafka."""

from collections.abc import Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from matjip_platform.settings import ServiceSettings

_provider: TracerProvider | None = None


def setup_tracing(settings: ServiceSettings, extra_processor: SpanProcessor | None = None) -> TracerProvider:
    """Install the process's tracer provider. Spans always exist (logs carry their ids); they are
    exported only where an endpoint is configured: OTLP in clusters, Zipkin in the local stack."""
    global _provider
    if _provider is not None:
        return _provider
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
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
