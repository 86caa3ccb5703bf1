"""The metrics every service exports (names are a contract: docs/conventions.md)."""

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

http_requests = Counter("http_requests", "HTTP requests served", ["method", "route", "status"])
http_request_duration = Histogram(
    "http_request_duration_seconds", "HTTP request duration", ["method", "route"], buckets=LATENCY_BUCKETS
)
http_in_flight = Gauge("http_requests_in_flight", "HTTP requests being served")

kafka_consumed = Counter(
    "kafka_messages_consumed", "Kafka messages handled, by outcome", ["topic", "event_type", "outcome"]
)
kafka_processing = Histogram(
    "kafka_message_processing_seconds",
    "Time to handle one Kafka message, retries included",
    ["topic", "event_type"],
    buckets=LATENCY_BUCKETS,
)
kafka_lag = Gauge("kafka_consumer_lag", "Messages behind the partition's end", ["topic", "partition"])
kafka_produced = Counter("kafka_messages_produced", "Kafka messages produced", ["topic", "event_type"])
dead_letters = Counter("dead_letter_messages", "Messages sent to a dead-letter topic", ["topic", "reason"])

outbox_pending = Gauge("outbox_pending_events", "Outbox events not yet published")
outbox_oldest_age = Gauge("outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox event")
outbox_published = Counter("outbox_published", "Outbox events published", ["topic"])
