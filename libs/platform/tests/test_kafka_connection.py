"""Kafka connection settings: plaintext locally, TLS plus IAM tokens on MSK."""

import ssl

import pytest

from matjip_platform.kafka_connection import MskIamTokenProvider, kafka_connection_options
from matjip_platform.settings import ServiceSettings


def test_the_local_stack_connects_in_plaintext() -> None:
    options = kafka_connection_options(ServiceSettings(kafka_bootstrap="127.0.0.1:59092"))
    assert options == {"bootstrap_servers": "127.0.0.1:59092", "security_protocol": "PLAINTEXT"}


def test_msk_uses_tls_and_iam_tokens_for_the_configured_region() -> None:
    settings = ServiceSettings(
        kafka_bootstrap="b-1.msk:9098",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="OAUTHBEARER",
        kafka_aws_region="ap-northeast-2",
    )
    options = kafka_connection_options(settings)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "OAUTHBEARER"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    provider = options["sasl_oauth_token_provider"]
    assert isinstance(provider, MskIamTokenProvider) and provider.region == "ap-northeast-2"


def test_iam_auth_without_a_region_is_a_configuration_error() -> None:
    settings = ServiceSettings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="OAUTHBEARER")
    with pytest.raises(ValueError, match="MATJIP_KAFKA_AWS_REGION"):
        kafka_connection_options(settings)


def test_an_unknown_protocol_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="kafka_security_protocol"):
        ServiceSettings(kafka_security_protocol="SASL_PLAINTEXT_TYPO")  # type: ignore[arg-type]
