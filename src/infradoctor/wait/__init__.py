"""Readiness probes for `infradoctor wait` and `infradoctor smoke` (docs/wait.md).

Standard library only: the protocol clients are minimal handshakes (Postgres wire
protocol, Redis RESP, Kafka ApiVersions v0, AMQP 0-9-1 header, HTTP)."""
