"""How every Kafka client of the pipeline connects: brokers, TLS and SASL in one place.

Producer, consumer and admin clients are all built from `connection_kwargs`, so no
client can be left on plaintext when the cluster requires TLS or SASL.
"""

from __future__ import annotations

from typing import Any

from aiokafka.helpers import create_ssl_context

from shared.core.errors import SettingsError
from shared.core.settings import KafkaSettings


def connection_kwargs(settings: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient.

    The result holds the SASL password in clear (aiokafka wants a str): pass it
    straight to the client and never log it.
    """
    protocol = settings.kafka_security_protocol
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": protocol,
    }
    if protocol in ("SSL", "SASL_SSL"):
        # Hostname checking stays on: aiokafka's helper does not let it be switched off.
        kwargs["ssl_context"] = create_ssl_context(
            cafile=settings.kafka_ssl_cafile,
            certfile=settings.kafka_ssl_certfile,
            keyfile=settings.kafka_ssl_keyfile,
        )
    if protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        if settings.kafka_sasl_username is None or settings.kafka_sasl_password is None:
            # Settings validation already refuses this; kept for settings built unvalidated.
            raise SettingsError(f"KAFKA_SECURITY_PROTOCOL={protocol} needs SASL credentials")
        kwargs["sasl_mechanism"] = settings.kafka_sasl_mechanism
        kwargs["sasl_plain_username"] = settings.kafka_sasl_username
        kwargs["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    return kwargs
