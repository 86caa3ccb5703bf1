"""Use cases: each loads what it needs under a row lock, applies a domain rule, saves, and emits events,
all inside the caller's transaction (HTTP request or Kafka message)."""
