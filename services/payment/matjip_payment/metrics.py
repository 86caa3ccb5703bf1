"""Payment's own metrics (names are a contract: docs/conventions.md)."""

from prometheus_client import Counter

OPERATIONS = ("confirm", "cancel", "lookup", "list")
OUTCOMES = ("success", "rejected", "server_error", "timeout", "network_error")

# Exported as payment_gateway_requests_total; one sample per HTTP attempt, retries included.
gateway_requests = Counter(
    "payment_gateway_requests", "Requests to the payment gateway, by operation and outcome", ["operation", "outcome"]
)
for _operation in OPERATIONS:
    for _outcome in OUTCOMES:
        # Series exist from the start, so dashboards and canary queries never judge on absent data.
        gateway_requests.labels(_operation, _outcome)
