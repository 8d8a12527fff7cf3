"""Compose loader (loaders/compose.py): grouping, merging, extends, anchors, interpolation,
profiles, short/long syntaxes, hostile and non-compose input. Fixtures live in
fixtures/compose/<case>/."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infradoctor.loaders.compose import (
    load_compose_projects,
    parse_port_spec,
    parse_volume_spec,
    variant_name,
)
from infradoctor.loaders.discover import discover
from infradoctor.loaders.files import SourceReader
from infradoctor.model.source import FileKind, LoadError, Location, SourceFile
from infradoctor.model.stack import Project, Service
from infradoctor.syntax import yaml as yaml_syntax

FIXTURES = Path(__file__).parent / "fixtures" / "compose"
LOC = Location("f", 1)


def load(
    root: Path,
    *,
    env: Mapping[str, str] | None = None,
    profiles: Sequence[str] = (),
    explicit: Sequence[str] = (),
) -> tuple[list[Project], list[LoadError]]:
    reader = SourceReader(root)
    paths = list(discover(root).compose)
    paths += [root / p for p in explicit if root / p not in paths]
    sources = [
        s for s in (reader.read(p, FileKind.COMPOSE) for p in paths) if isinstance(s, SourceFile)
    ]
    return load_compose_projects(
        sources,
        reader,
        explicit_files=list(explicit),
        env={} if env is None else env,
        profiles=profiles,
    )


def project(projects: list[Project], name: str) -> Project:
    by_name = {p.name: p for p in projects}
    assert name in by_name, list(by_name)
    return by_name[name]


def text_at(root: Path, loc: Location) -> str:
    text = (root / loc.file).read_text()
    assert loc.offset is not None and loc.end_offset is not None
    return text[loc.offset : loc.end_offset]


# ------------------------------------------------------------------ overrides


def test_base_and_override_merge_per_compose_spec() -> None:
    root = FIXTURES / "overrides"
    projects, errors = load(root)
    assert errors == []
    (proj,) = projects
    assert proj.name == "overrides" and proj.directory == "."
    assert proj.compose_files == ["compose.yaml", "compose.override.yaml"]
    web = proj.services["web"]
    assert web.file == "compose.yaml" and web.location.line == 2
    assert web.command == "gunicorn --reload app:app"  # command replaces
    assert [(p.published, p.target) for p in web.ports] == [(8080, 80), (9229, 9229)]
    assert {k: v.value for k, v in web.environment.items()} == {"DEBUG": "1", "TZ": "UTC"}
    assert web.labels == {"tier": "front", "dev": "true"}
    assert [(m.type, m.source, m.target) for m in web.volumes] == [
        ("bind", "./static", "/srv/static"),
        ("bind", "./src", "/var/lib/web"),
    ]
    assert web.volumes[0].read_only and web.volumes[0].host_path == root / "static"
    assert web.healthcheck is not None
    assert web.healthcheck.test == "curl -f http://localhost/ready"  # test replaces
    assert web.healthcheck.interval == "30s"  # the rest merges
    assert web.restart == "unless-stopped"
    assert web.loc("restart").file == "compose.override.yaml"
    assert web.loc("image").file == "compose.yaml"
    assert web.loc("ports").file == "compose.override.yaml"
    assert text_at(root, web.loc("restart")) == "restart"
    assert set(proj.services) == {"web", "db", "worker"}
    assert proj.services["worker"].file == "compose.override.yaml"
    assert set(proj.volumes) == {"data"} and set(proj.networks) == {"backend"}
    assert proj.volumes["data"].line == 21


def test_variants_are_merged_on_top_of_the_base_without_the_override() -> None:
    projects, errors = load(FIXTURES / "variants")
    assert errors == []
    base = project(projects, "variants")
    assert base.compose_files == ["docker-compose.yml", "docker-compose.override.yml"]
    assert base.services["web"].environment["DEBUG"].value == "1"
    prod = project(projects, "variants:prod")
    assert prod.compose_files == ["docker-compose.yml", "docker-compose.prod.yml"]
    assert set(prod.services) == {"web", "proxy"}
    assert prod.services["web"].restart == "always"
    assert prod.services["web"].ports[0].published == 80
    assert "DEBUG" not in prod.services["web"].environment
    assert len(projects) == 2


def test_directory_with_only_variant_files_gives_standalone_projects() -> None:
    projects, errors = load(FIXTURES / "variants_only")
    assert errors == []
    assert sorted(p.name for p in projects) == ["variants_only:dev", "variants_only:test"]
    assert project(projects, "variants_only:dev").compose_files == ["compose.dev.yaml"]


def test_explicit_files_form_one_project_in_order(tmp_path: Path) -> None:
    root = FIXTURES / "variants"
    projects, errors = load(root, explicit=["docker-compose.prod.yml", "docker-compose.yml"])
    assert errors == []
    first = projects[0]
    assert first.name == "variants"
    assert first.compose_files == ["docker-compose.prod.yml", "docker-compose.yml"]
    assert first.services["web"].restart == "always"
    # no other project re-merges the explicit files
    for other in projects[1:]:
        assert "docker-compose.prod.yml" not in other.compose_files
        assert "docker-compose.yml" not in other.compose_files


def test_project_names_are_unique_and_relative(tree) -> None:
    root = tree(
        {
            "compose.yaml": "services: {a: {image: x}}\n",
            "api/compose.yaml": "services: {b: {image: x}}\n",
            "api/compose.prod.yaml": "services: {b: {restart: always}}\n",
            "stack/api/compose.yaml": "services: {c: {image: x}}\n",
        },
        name="api",
    )
    projects, errors = load(root)
    assert errors == []
    names = [p.name for p in projects]
    assert len(names) == len(set(names))
    assert set(names) == {"api", "api#2", "api:prod", "stack/api"}
    assert project(projects, "stack/api").directory == "stack/api"


# ------------------------------------------------------------------ extends / anchors


def test_extends_same_file_and_other_file() -> None:
    root = FIXTURES / "extends"
    projects, errors = load(root)
    assert errors == []
    (proj,) = projects
    api = proj.services["api"]
    assert api.image == "example/app:3" and api.restart == "always" and api.command == "serve"
    assert api.environment["LOG_LEVEL"].value == "debug"
    assert api.loc("image").line == 3 and api.loc("command").line == 9
    assert "extends" not in api.raw
    job = proj.services["job"]
    assert job.image == "example/worker:7"
    assert job.loc("image").file == "common/services.yaml"
    assert job.build_context == "common/worker"  # relative to the file that set it
    assert job.build_dockerfile == "common/worker/Dockerfile"
    assert job.volumes[0].host_path == root / "common" / "cache"
    assert {k: v.value for k, v in job.environment.items()} == {"QUEUE": "jobs", "CONCURRENCY": "4"}
    assert "common/services.yaml" in proj.compose_files


def test_extends_problems_are_errors_not_exceptions(tree) -> None:
    root = tree(
        {
            "compose.yaml": (
                "services:\n"
                "  a:\n    extends: b\n    image: x\n"
                "  b:\n    extends: a\n"
                "  c:\n    extends: nowhere\n"
                "  d:\n    extends: {file: missing.yaml, service: z}\n"
            )
        }
    )
    projects, errors = load(root)
    kinds = sorted((e.kind, e.line) for e in errors)
    assert ("invalid", 8) in kinds  # unknown service
    assert ("include-missing", 10) in kinds
    assert any("cycle" in e.message for e in errors)
    assert set(projects[0].services) == {"a", "b", "c", "d"}


def test_anchors_and_merge_keys() -> None:
    root = FIXTURES / "anchors"
    projects, errors = load(root)
    assert errors == []
    proj = projects[0]
    api, worker = proj.services["api"], proj.services["worker"]
    assert api.restart == "always"  # explicit key wins over <<
    assert api.logging is not None and api.logging.driver == "json-file"
    assert api.logging.options == {"max-size": "10m", "max-file": "3"}
    assert worker.restart == "unless-stopped"
    assert api.loc("logging").line == 9  # the key inside the x-common anchor
    assert {k: v.value for k, v in worker.environment.items()} == {"TZ": "UTC", "QUEUE": "high"}
    assert set(proj.services) == {"api", "worker"}  # x- fields are not services


# ------------------------------------------------------------------ interpolation


def test_interpolation_with_dotenv_and_env_file() -> None:
    root = FIXTURES / "interpolation"
    projects, errors = load(root, env={"ADMIN_PORT": ""})
    web = projects[0].services["web"]
    assert web.image == "example/web:1.4.2"
    assert [(p.published, p.target) for p in web.ports] == [(8081, 8000), (None, 9000)]
    env = {k: v.value for k, v in web.environment.items()}
    assert env["DB_USER"] == "app user"  # environment beats env_file
    assert env["GREETING"] == "hello" and env["LITERAL"] == "$HOME"
    assert env["NESTED"] == "1.4.2" and env["ALT"] == "set"
    assert env["SECRET_KEY"] == "from-file" and env["URL"] == "http://db:5432"
    assert web.environment["SECRET_KEY"].from_file == "web.env"
    assert web.environment["SECRET_KEY"].location.line == 2
    assert web.env_files == ["web.env"]
    (err,) = errors
    assert (err.kind, err.file, err.line) == ("interpolation", "compose.yaml", 16)
    assert "REQUIRED_TAG" in err.message


def test_required_variables_are_not_errors_when_env_is_the_shell(monkeypatch) -> None:
    monkeypatch.delenv("REQUIRED_TAG", raising=False)
    monkeypatch.setenv("TAG", "from-shell")
    reader = SourceReader(FIXTURES / "interpolation")
    src = reader.read(FIXTURES / "interpolation" / "compose.yaml", FileKind.COMPOSE)
    assert isinstance(src, SourceFile)
    projects, errors = load_compose_projects([src], reader, env=None)
    assert errors == []
    assert projects[0].services["broken"].image == "example/broken:"
    assert projects[0].services["web"].image == "example/web:from-shell"


def test_malformed_interpolation_is_always_an_error(tree) -> None:
    root = tree({"compose.yaml": "services:\n  web:\n    image: x:${TAG\n"})
    reader = SourceReader(root)
    src = reader.read(root / "compose.yaml", FileKind.COMPOSE)
    assert isinstance(src, SourceFile)
    _, errors = load_compose_projects([src], reader, env=None)
    assert [(e.kind, e.line) for e in errors] == [("interpolation", 3)]


def test_process_environment_wins_over_dotenv() -> None:
    projects, errors = load(FIXTURES / "interpolation", env={"TAG": "9.9", "REQUIRED_TAG": "ok"})
    assert errors == []
    assert projects[0].services["web"].image == "example/web:9.9"
    assert projects[0].services["broken"].image == "example/broken:ok"


# ------------------------------------------------------------------ profiles


@pytest.mark.parametrize(
    ("profiles", "expected"),
    [
        ((), {"app", "debug", "monitor"}),  # none selected: lint everything
        (("debug",), {"app", "debug", "monitor"}),
        (("ops",), {"app", "monitor"}),
        (("other",), {"app"}),
        (("*",), {"app", "debug", "monitor"}),
    ],
)
def test_profiles(profiles: tuple[str, ...], expected: set[str]) -> None:
    projects, errors = load(FIXTURES / "profiles", profiles=profiles)
    assert errors == [] and set(projects[0].services) == expected
    if "debug" in expected:
        assert projects[0].services["debug"].profiles == ["debug"]


# ------------------------------------------------------------------ syntaxes


@pytest.fixture(scope="module")
def syntax() -> dict[str, Service]:
    projects, errors = load(FIXTURES / "syntax")
    assert errors == []
    return projects[0].services


def test_long_and_short_ports(syntax: dict[str, Service]) -> None:
    ports = [
        (p.host_ip, p.published, p.target, p.protocol, p.published_range)
        for p in syntax["app"].ports
    ]
    assert ports == [
        ("127.0.0.1", 8080, 80, "tcp", None),
        (None, 8000, 8000, "tcp", None),
        (None, 8001, 8001, "tcp", None),
        (None, 8002, 8002, "tcp", None),
        (None, 53, 53, "udp", None),
        (None, None, 9090, "tcp", None),
        ("::1", 6060, 6060, "tcp", None),
        ("0.0.0.0", 8443, 443, "tcp", None),
    ]
    assert syntax["app"].ports[0].raw == "127.0.0.1:8080:80"
    assert syntax["app"].ports[0].location.line == 20


def test_expose_healthcheck_depends_on(syntax: dict[str, Service]) -> None:
    app, db, cache = syntax["app"], syntax["db"], syntax["cache"]
    assert [p for p, _ in app.expose] == [3000, 4000, 4001]
    hc = app.healthcheck
    assert hc is not None and not hc.disabled and hc.source == "compose"
    assert hc.test == ["CMD-SHELL", "curl -f http://localhost:8000/ || exit 1"]
    assert (hc.interval, hc.timeout, hc.retries, hc.start_period) == ("10s", "5s", 3, "20s")
    assert hc.location == app.loc("healthcheck")
    assert db.healthcheck is not None and db.healthcheck.disabled
    assert cache.healthcheck is not None and cache.healthcheck.disabled
    deps = [(d.service, d.condition, d.long_syntax, d.required) for d in app.depends_on]
    assert deps == [
        ("db", "service_healthy", True, True),
        ("cache", "service_started", True, False),
    ]
    assert [(d.service, d.long_syntax) for d in db.depends_on] == [("cache", False)]


def test_logging_deploy_and_limits(syntax: dict[str, Service]) -> None:
    app, db = syntax["app"], syntax["db"]
    assert app.logging is not None and app.logging.driver == "local"
    assert app.logging.options == {"max-size": "5m"}
    assert app.replicas == 3 and app.deploy_restart_condition == "on-failure"
    assert app.mem_limit == "512M"
    assert db.mem_limit == "1g"  # mem_limit wins over deploy limits
    assert db.replicas == 2  # scale
    assert db.network_mode == "host"


def test_volumes_bind_vs_named_and_long_syntax(syntax: dict[str, Service]) -> None:
    root = FIXTURES / "syntax"
    vols = [(m.type, m.source, m.target, m.read_only) for m in syntax["app"].volumes]
    assert vols == [
        ("bind", "./data", "/data", True),
        ("volume", "named", "/named", False),
        ("bind", "/abs/host", "/abs", False),
        ("bind", "~/cache", "/home/cache", False),
        ("volume", None, "/anonymous", False),
        ("bind", "./conf", "/etc/app", True),
        ("volume", "vol2", "/vol2", False),
        ("tmpfs", None, "/scratch", False),
        ("tmpfs", None, "/run", False),
    ]
    mounts = syntax["app"].volumes
    assert mounts[0].host_path == root / "data"
    assert mounts[2].host_path == Path("/abs/host")
    assert mounts[5].host_path == root / "conf"
    assert mounts[1].host_path is None


def test_scalar_fields_build_and_networks(syntax: dict[str, Service]) -> None:
    app, db, cache = syntax["app"], syntax["db"], syntax["cache"]
    assert app.build_context == "app" and app.build_dockerfile == "app/docker/Dockerfile.prod"
    assert db.build_context == "db" and db.build_dockerfile == "db/Dockerfile"
    assert (app.container_name, app.hostname, app.user) == ("app-main", "app-host", "1000:1000")
    assert app.privileged and app.read_only
    assert app.cap_drop == ["ALL"] and app.cap_add == ["NET_BIND_SERVICE"]
    assert app.security_opt == ["no-new-privileges:true"]
    assert app.entrypoint == "/entry.sh" and app.command == ["--port", "8000"]
    assert app.networks == {"front": ["api", "api.internal"], "back": []}
    assert db.networks == {"back": []}
    assert app.restart == "on-failure" and app.labels == {"traefik.enable": "true"}
    assert cache.environment["ALLOW_EMPTY"].value is None
    assert cache.environment["MODE"].value == "standalone"
    assert set(app.key_locations) >= {"image", "build", "ports", "volumes", "deploy"}
    assert app.location.line == 2 and app.raw["image"] == "example/app:2"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("80", [(None, None, 80, "tcp", None)]),
        ("8080:80", [(None, 8080, 80, "tcp", None)]),
        ("127.0.0.1:8080:80/udp", [("127.0.0.1", 8080, 80, "udp", None)]),
        ("127.0.0.1::80", [("127.0.0.1", None, 80, "tcp", None)]),
        ("9000-9010:80", [(None, 9000, 80, "tcp", (9000, 9010))]),
        ("[::1]:53:53/udp", [("::1", 53, 53, "udp", None)]),
        ("::1:8080:80", [("::1", 8080, 80, "tcp", None)]),
        ("7000-7001", [(None, None, 7000, "tcp", None), (None, None, 7001, "tcp", None)]),
    ],
)
def test_parse_port_spec(spec: str, expected: list[tuple[object, ...]]) -> None:
    ports = parse_port_spec(spec, LOC)
    assert not isinstance(ports, str)
    assert [
        (p.host_ip, p.published, p.target, p.protocol, p.published_range) for p in ports
    ] == expected


@pytest.mark.parametrize("spec", ["abc", "80:http", "1-2:3-5", "[::1"])
def test_bad_port_specs_are_messages(spec: str) -> None:
    assert isinstance(parse_port_spec(spec, LOC), str)


@pytest.mark.parametrize(
    ("spec", "kind", "source", "target", "ro"),
    [
        ("data:/var/lib/data", "volume", "data", "/var/lib/data", False),
        ("./data:/d:ro,z", "bind", "./data", "/d", True),
        ("/d", "volume", None, "/d", False),
        ("C:\\data:/d", "bind", "C:\\data", "/d", False),
        ("~/x:/x:rw", "bind", "~/x", "/x", False),
    ],
)
def test_parse_volume_spec(spec: str, kind: str, source: str | None, target: str, ro: bool) -> None:
    mount = parse_volume_spec(spec, LOC, Path("/base"))
    assert (mount.type, mount.source, mount.target, mount.read_only) == (kind, source, target, ro)


@pytest.mark.parametrize(
    ("name", "variant"),
    [
        ("docker-compose.prod.yml", "prod"),
        ("compose.dev.yaml", "dev"),
        ("docker-compose-quickstart.yml", "quickstart"),
        ("prod.docker-compose.yml", "prod"),
        ("compose.override.yml", "override"),
    ],
)
def test_variant_name(name: str, variant: str) -> None:
    assert variant_name(name) == variant


# ------------------------------------------------------------------ include


def test_include_brings_services_into_the_including_project() -> None:
    root = FIXTURES / "include"
    projects, errors = load(root)
    assert errors == []
    (proj,) = projects  # db/compose.yaml is not a project of its own
    assert set(proj.services) == {"app", "db"}
    assert proj.compose_files == ["compose.yaml", "db/compose.yaml"]
    db = proj.services["db"]
    assert db.file == "db/compose.yaml"
    assert db.volumes[0].host_path == root / "db" / "init"
    assert "dbdata" in proj.volumes


def test_include_problems(tree, tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("services: {o: {image: x}}\n")
    root = tree(
        {
            "compose.yaml": (
                "include:\n  - missing.yaml\n  - path: ../outside.yaml\n  - self.yaml\n"
                "services:\n  app:\n    image: x\n"
            ),
            "self.yaml": "include: [self.yaml]\nservices: {s: {image: y}}\n",
        }
    )
    projects, errors = load(root)
    kinds = {(e.kind, e.line) for e in errors}
    assert ("include-missing", 2) in kinds and ("include-outside", 3) in kinds
    assert any("cycle" in e.message for e in errors)
    assert set(projects[0].services) == {"app", "s"}


# ------------------------------------------------------------------ hostile input


def test_alias_bomb_is_an_error_in_milliseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    # Work is counted, not timed: node conversions stay near the nodes written; expanding
    # the bomb fails at the first 10,000.
    calls = 0
    real = yaml_syntax._Converter.convert

    def convert(self: yaml_syntax._Converter, node: Any, depth: int) -> Any:
        nonlocal calls
        calls += 1
        if calls > 10_000:
            pytest.fail("the alias bomb is being expanded")
        return real(self, node, depth)

    monkeypatch.setattr(yaml_syntax._Converter, "convert", convert)
    projects, errors = load(FIXTURES / "aliasbomb")
    assert 0 < calls <= 1_000
    assert projects == []
    (err,) = errors
    assert err.kind == "alias-bomb" and err.file == "docker-compose.yml" and err.line


def test_malformed_yaml_is_a_parse_error_with_line() -> None:
    projects, errors = load(FIXTURES / "malformed")
    assert projects == []
    (err,) = errors
    assert (err.kind, err.file, err.line) == ("parse-error", "docker-compose.yml", 6)


def test_templates_and_non_compose_yaml_are_skipped_quietly() -> None:
    assert load(FIXTURES / "helm") == ([], [])


def test_odd_but_valid_files(tree) -> None:
    root = tree(
        {
            "compose.yaml": "services:\n  web:\n  x-ext: {image: no}\n",
            "compose.override.yaml": "",
            "a/compose.yaml": "services: [web]\n",
            "b/compose.yaml": "version: '3.8'\nnetworks: {n: {}}\n",
            "c/docker-compose.yml": "services:\n  web:\n    image: x\n    ports: 80\n"
            "    env_file: missing.env\n    environment: [A=1=2]\n",
        }
    )
    projects, errors = load(root)
    assert [(e.kind, e.file) for e in errors] == [("invalid", "a/compose.yaml")]
    assert set(project(projects, root.name).services) == {"web"}
    assert project(projects, "b").networks["n"].line == 2
    web = project(projects, "c").services["web"]
    assert web.ports[0].target == 80 and web.environment["A"].value == "1=2"
    assert web.env_files == ["c/missing.env"]


def test_reset_and_override_tags(tree) -> None:
    root = tree(
        {
            "compose.yaml": "services:\n  web:\n    image: x\n    ports: ['80:80']\n"
            "    environment: {A: '1', B: '2'}\n",
            "compose.override.yaml": "services:\n  web:\n    ports: !reset []\n"
            "    environment: !override {C: '3'}\n",
        }
    )
    projects, errors = load(root)
    assert errors == []
    web = projects[0].services["web"]
    assert web.ports == [] and set(web.environment) == {"C"}


def test_crlf_files_keep_offsets(tree) -> None:
    root = tree({"compose.yaml": "services:\r\n  web:\r\n    image: nginx\r\n"})
    reader = SourceReader(root)
    src = reader.read(root / "compose.yaml", FileKind.COMPOSE)
    assert isinstance(src, SourceFile)
    projects, errors = load_compose_projects([src], reader, env={})
    loc = projects[0].services["web"].loc("image")
    assert src.text[loc.offset : loc.end_offset] == "image" and loc.line == 3


def test_service_that_is_not_a_mapping_is_an_error(tree) -> None:
    root = tree({"compose.yaml": "services:\n  web: [nginx]\n  ok:\n    image: x\n"})
    projects, errors = load(root)
    assert [(e.kind, e.line) for e in errors] == [("invalid", 2)]
    assert set(projects[0].services) == {"web", "ok"}


YAMLISH = st.text(alphabet="services:web image ports-\n[]{}$&*<!'\"#80/udp~", max_size=120)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(base=YAMLISH, override=YAMLISH)
def test_loader_never_raises_on_arbitrary_text(tree, base: str, override: str) -> None:
    root = tree(
        {"compose.yaml": "services:\n" + base, "compose.override.yaml": override}, name="fuzz"
    )
    projects, errors = load(root, env={"A": "1"})
    assert all(isinstance(e, LoadError) for e in errors)


def test_override_applies_to_either_base_and_second_base_stands_alone(tree) -> None:
    root = tree(
        {
            "a/docker-compose.yml": "services: {web: {image: x}}\n",
            "a/compose.override.yaml": "services: {web: {restart: always}}\n",
            "b/compose.yaml": "services: {web: {image: new}}\n",
            "b/docker-compose.yml": "services: {old: {image: old}}\n",
        }
    )
    projects, errors = load(root)
    assert errors == []
    a = project(projects, "a")
    assert a.compose_files == ["a/docker-compose.yml", "a/compose.override.yaml"]
    assert a.services["web"].restart == "always"
    assert set(project(projects, "b").services) == {"web"}
    assert project(projects, "b:docker-compose").compose_files == ["b/docker-compose.yml"]
    assert len(projects) == 3


def test_include_env_file_sets_the_included_environment(tree) -> None:
    root = tree(
        {
            "compose.yaml": "include:\n  - path: db/compose.yaml\n    env_file: db.env\n"
            "  - path: cache/compose.yaml\n    env_file: nope.env\n",
            "db.env": "DB_TAG=15\n",
            "db/compose.yaml": "services:\n  db:\n    image: postgres:${DB_TAG:-16}\n",
            "cache/compose.yaml": "services:\n  cache:\n    image: redis:${TAG:-7}\n",
        }
    )
    projects, errors = load(root)
    assert errors == []  # a missing env_file is skipped: .env files are rarely committed
    assert projects[0].services["db"].image == "postgres:15"
    assert projects[0].services["cache"].image == "redis:7"


def test_non_compose_yaml_with_duplicate_keys_is_not_reported(tree) -> None:
    root = tree({"compose.yml": "jobs:\n  a: 1\n  a: 2\n"})
    assert load(root) == ([], [])


def test_values_of_the_wrong_shape_are_reported_with_their_line(tree) -> None:
    root = tree(
        {
            "compose.yaml": "services:\n"
            "  web:\n"
            "    image: [x]\n"  # 3
            "    environment: 5\n"  # 4
            "    healthcheck: 'yes'\n"  # 5
            "    command: {a: 1}\n"  # 6
            "    privileged: [1]\n"  # 7
            "    deploy:\n"
            "      replicas: true\n"  # 9
            "      resources: {limits: {memory: [1]}}\n"  # 10
            "    logging: {driver: json-file, options: [1]}\n"  # 11
            "    cap_drop: {ALL: 1}\n"  # 12
            "    ports: 80\n"  # lenient: a single port
            "    scale: ${SCALE}\n"  # unset variable: not the file's fault
            "  ok:\n    image: x\n    deploy: {replicas: '3', resources: {limits: {memory: 1g}}}\n"
        }
    )
    projects, errors = load(root)
    found = sorted((e.line, e.message) for e in errors)
    assert [line for line, _ in found] == [3, 4, 5, 6, 7, 9, 10, 11, 12]
    assert all(e.kind == "invalid" and e.file == "compose.yaml" for e in errors)
    messages = dict(found)
    assert (
        messages[4] == "service 'web': `environment` must be a mapping or a list, not '5'; ignored"
    )
    assert messages[9] == "service 'web': `deploy.replicas` must be an integer, not 'true'; ignored"
    assert "`deploy.resources.limits.memory` must be a size, not a list" in messages[10]
    web = project(projects, root.name).services["web"]
    assert web.image is None and web.healthcheck is None and web.replicas is None
    assert web.ports[0].target == 80
    assert project(projects, root.name).services["ok"].replicas == 3
