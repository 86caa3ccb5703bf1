"""How every Kafka client of a service connects: plaintext locally, TLS with IAM auth on MSK."""

import asyncio
from typing import Any

from aiokafka.abc import AbstractTokenProvider
from aiokafka.helpers import create_ssl_context

from matjip_platform.settings import ServiceSettings


class MskIamTokenProvider(AbstractTokenProvider):  # type: ignore[misc]
    """SASL/OAUTHBEARER tokens signed with the pod's IAM role (IRSA): no Kafka password exists anywhere."""

    def __init__(self, region: str) -> None:
        self.region = region

    async def token(self) -> str:
        from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

        # Signing reads credentials from the environment or the web identity file: keep it off the loop.
        token, _expiry_ms = await asyncio.to_thread(MSKAuthTokenProvider.generate_auth_token, self.region)
        return str(token)


def kafka_connection_options(settings: ServiceSettings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and the admin client."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context()
    if settings.kafka_sasl_mechanism == "OAUTHBEARER":
        if not settings.kafka_aws_region:
            raise ValueError("MATJIP_KAFKA_AWS_REGION is required for OAUTHBEARER (MSK IAM)")
        options["sasl_mechanism"] = "OAUTHBEARER"
        options["sasl_oauth_token_provider"] = MskIamTokenProvider(settings.kafka_aws_region)
    return options
