"""SEC006: a database/cache port is published on every host interface."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Port, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.subjects import ServiceSubject

DATABASE_PORTS: dict[int, str] = {
    5432: "PostgreSQL",
    5433: "PostgreSQL",
    6432: "PgBouncer",
    3306: "MySQL/MariaDB",
    33060: "MySQL X protocol",
    1433: "SQL Server",
    1521: "Oracle",
    6379: "Redis",
    6380: "Redis",
    26379: "Redis Sentinel",
    27017: "MongoDB",
    27018: "MongoDB",
    9200: "Elasticsearch/OpenSearch",
    9300: "Elasticsearch transport",
    11211: "Memcached",
    5672: "RabbitMQ (AMQP)",
    9042: "Cassandra",
    8086: "InfluxDB",
    5984: "CouchDB",
    7687: "Neo4j (bolt)",
    2181: "ZooKeeper",
    9092: "Kafka",
    8123: "ClickHouse HTTP",
    26257: "CockroachDB",
    28015: "RethinkDB",
    8529: "ArangoDB",
    2379: "etcd",
    4222: "NATS",
    6333: "Qdrant",
    19530: "Milvus",
    8108: "Typesense",
    7700: "Meilisearch",
}
LOOPBACK_PREFIXES = ("127.", "::1", "[::1]", "localhost")
ALL_INTERFACES = {None, "", "0.0.0.0", "::", "[::]"}


def exposed_everywhere(port: Port) -> bool:
    return port.host_ip in ALL_INTERFACES


def database_of(port: Port) -> tuple[int, str] | None:
    """The datastore a port entry exposes, judged by the container port (or the host
    port when the container port is unknown)."""
    candidate = port.target if port.target is not None else port.published
    if candidate is not None and candidate in DATABASE_PORTS:
        return candidate, DATABASE_PORTS[candidate]
    return None


@record(frozen=True)
class PublishedDatabasePort(ServiceSubject):
    """The service and the database port it publishes on every interface."""

    port: int


class DatabasePortPublished(Rule):
    code = "SEC006"
    name = "database-port-published"
    title = "Database or cache port published on all interfaces"
    severity = Severity.WARNING
    category = "security"
    why = (
        '`ports: ["5432:5432"]` binds 0.0.0.0 on the host, so the database is reachable '
        "from the internet on a VPS. Docker inserts its own iptables rules ahead of ufw and "
        'firewalld, so a host firewall that "denies everything" does not block it. Exposed '
        "Redis, MongoDB, Elasticsearch and Postgres instances are found by internet-wide "
        "scanners within hours and get wiped for ransom or turned into crypto miners "
        "(Redis `CONFIG SET dir` + cron, Postgres `COPY ... FROM PROGRAM`). Bindings to "
        "127.0.0.1 (or another specific address) are not flagged. In CI, test and "
        "development compose files (by path, name or header comment) the finding is info: "
        "a throwaway fixture, not a production exposure."
    )
    how_to_fix = (
        "Other containers reach the database over the compose network by service name and "
        "need no published port at all. Remove `ports:`, or bind it to loopback for local "
        "tools:\n\n"
        "```yaml\nservices:\n  db:\n    image: postgres:16\n    ports:\n"
        '      - "127.0.0.1:5432:5432"\n```'
    )
    references = (
        "https://docs.docker.com/engine/network/packet-filtering-firewalls/",
        "https://docs.docker.com/reference/compose-file/services/#ports",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  db:\n"
                    "    image: postgres:16\n"
                    "    ports:\n"
                    '      - "5432:5432"\n'
                    "  cache:\n"
                    "    image: redis:7.2-alpine\n"
                    "    ports:\n"
                    "      - target: 6379\n"
                    "        published: 6379\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  db:\n"
                    "    image: postgres:16\n"
                    "    ports:\n"
                    '      - "127.0.0.1:5432:5432"\n'
                    "  cache:\n"
                    "    image: redis:7.2-alpine\n"
                    "    expose:\n"
                    '      - "6379"\n'
                    "  web:\n"
                    "    image: nginx:1.27-alpine\n"
                    "    ports:\n"
                    '      - "80:80"\n'
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            for port in svc.ports:
                if port.published is None and port.published_range is None:
                    # "5432" alone publishes on a random host port, still on 0.0.0.0
                    if port.target is None:
                        continue
                if not exposed_everywhere(port) or str(port.host_ip or "").startswith(
                    LOOPBACK_PREFIXES
                ):
                    continue
                db = database_of(port)
                if db is None:
                    continue
                number, what = db
                yield self.finding(
                    port.location,
                    f"service '{svc.name}' publishes {what} port {number} on all host "
                    "interfaces; Docker's iptables rules bypass ufw/firewalld, so it is "
                    "reachable from outside (bind to 127.0.0.1 or drop the port)",
                    subject=svc.name,
                    detail=PublishedDatabasePort(svc.name, svc.project, number),
                )
