"""The compose model and its link to nginx, built with less work (issue 8 deliverable 6,
session 18): each fast path reads the same as the general one, and the work it skips
stays skipped (counted, never timed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import infradoctor.facts.listen as listen
import infradoctor.loaders.compose as compose
import infradoctor.loaders.interpolate as interpolate
import infradoctor.loaders.link as link
from infradoctor.facts.args import Args
from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.loaders.interpolate import interpolate as expand_text
from infradoctor.loaders.interpolate import parse_env_file
from infradoctor.model.source import Location
from infradoctor.model.stack import Service, Stack


def _load(root: Path, files: dict[str, str], **options: Any) -> Stack:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return load_stack(root, LoadOptions(helm="off", **options))


def _counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    real: Callable[..., Any] = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


# ---------------------------------------------------------------- list forms


def test_list_form_environment_labels_networks_read_as_the_mapping_form(tmp_path: Path) -> None:
    """`- NAME=value` lists: a later NAME wins in the first one's place (with its own
    line), `- NAME` has no value, blank names are dropped; networks by name only."""
    stack = _load(
        tmp_path,
        {
            "compose.yaml": (
                "services:\n"
                "  web:\n"
                "    image: nginx\n"
                "    environment:\n"
                "      - A=1\n"
                "      - B\n"
                "      - ' =x'\n"
                "      - C=\n"
                "      - A=3=4\n"
                "    labels:\n"
                "      - traefik.enable=true\n"
                "      - bare\n"
                "      - traefik.enable=false\n"
                "    networks: [front, back, front]\n"
                "networks: {front: {}, back: {}}\n"
            )
        },
    )
    web = stack.projects[0].services["web"]
    env = web.environment
    assert list(env) == ["A", "B", "C"]
    assert (env["A"].value, env["A"].location.line) == ("3=4", 9)
    assert env["B"].value is None and env["C"].value == ""
    assert web.labels == {"traefik.enable": "false", "bare": ""}
    assert web.networks == {"front": [], "back": []}
    assert list(web.key_locations)[:3] == ["image", "environment", "labels"]


def test_list_form_environment_overrides_env_file_values_in_place(tmp_path: Path) -> None:
    stack = _load(
        tmp_path,
        {
            "app.env": "X=from-file\nY=file\n",
            "compose.yaml": (
                "services:\n  web:\n    image: nginx\n    env_file: app.env\n"
                "    environment:\n      - Y=inline\n      - Z=new\n"
            ),
        },
    )
    env = stack.projects[0].services["web"].environment
    assert [(k, v.value) for k, v in env.items()] == [
        ("X", "from-file"),
        ("Y", "inline"),
        ("Z", "new"),
    ]
    assert env["X"].from_file == "app.env" and env["Y"].from_file is None


# ---------------------------------------------------------------- volumes, paths


@pytest.mark.parametrize(
    ("spec", "parts"),
    [
        ("./data:/data:ro", ["./data", "/data", "ro"]),
        ("C:\\data:/data", ["C:\\data", "/data"]),
        ("c:/data:/data:rw", ["c:/data", "/data", "rw"]),
        ("a:b", ["a", "b"]),  # a one-letter volume name, not a drive
        ("/x:/y", ["/x", "/y"]),
        ("cache", ["cache"]),
    ],
)
def test_volume_split_keeps_drive_letters(spec: str, parts: list[str]) -> None:
    assert compose._split_volume(spec) == parts


@pytest.mark.parametrize(
    ("source", "is_path"),
    [("./a", True), ("~/a", True), ("/a", True), ("C:\\a", True), ("d:/a", True)]
    + [("\\\\srv\\share", True), ("data", False), ("1:/a", False), ("C:a", False), ("", False)],
)
def test_volume_source_kind(source: str, is_path: bool) -> None:
    assert compose._is_path(source) is is_path


@pytest.mark.parametrize(
    "path", ["a/b/c.yml", "c.yml", "/abs/c.yml", "a//b.yml", "./a/b.yml", "a/./b.yml", "a/"]
)
def test_parent_and_name_as_pure_posix_path(path: str) -> None:
    from pathlib import PurePosixPath

    assert compose._parent(path) == PurePosixPath(path).parent.as_posix()
    assert compose._name(path) == PurePosixPath(path).name


def test_build_context_inside_and_outside_the_root(tmp_path: Path) -> None:
    """Paths under the root are cut to their relative text; one outside keeps `..`."""
    root = tmp_path / "repo"
    stack = _load(
        root,
        {
            "svc/compose.yaml": (
                "services:\n"
                "  inside:\n    build: ./app\n"
                "  outside:\n    build:\n      context: ../../elsewhere\n"
                "      dockerfile: docker/Dockerfile.prod\n"
                "  remote:\n    build: https://github.com/org/repo.git\n"
            )
        },
    )
    services = stack.projects[0].services
    assert services["inside"].build_context == "svc/app"
    assert services["inside"].build_dockerfile == "svc/app/Dockerfile"
    assert services["outside"].build_context == "../elsewhere"
    assert services["outside"].build_dockerfile == "../elsewhere/docker/Dockerfile.prod"
    assert services["remote"].build_context is None


def test_directories_are_text_and_worked_out_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(monkeypatch, compose._ComposeLoader, "abspath")
    body = "".join(f"  s{i}:\n    build: ./s{i}\n    volumes: ['./d{i}:/d']\n" for i in range(30))
    stack = _load(tmp_path, {"compose.yaml": "services:\n" + body})
    assert len(stack.projects[0].services) == 30
    assert len(calls) == 1
    mount = stack.projects[0].services["s7"].volumes[0]
    assert mount.host_path == tmp_path.resolve() / "d7"


# ---------------------------------------------------------------- interpolation


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("${A}", "a"),
        ("x${A}y${B}z", "xaybz"),
        ("${MISSING:-${A}}", "a"),
        ("${MISSING:-${MISSING2:-deep}}!", "deep!"),
        ("${A:+set}", "set"),
        ("$${A}", "${A}"),
        ("${A:-a$$b}", "a"),
        ("${MISSING:-a$$b}", "a$b"),
        ("${A}}", "a}"),
    ],
)
def test_braces_close_where_they_did(text: str, out: str) -> None:
    assert expand_text(text, {"A": "a", "B": "b"}).text == out


def test_unclosed_brace_is_still_an_error() -> None:
    res = expand_text("${A:-${B}", {"A": "a"})
    assert res.errors and "unclosed" in res.errors[0]


def test_interpolation_copies_only_what_changes() -> None:
    from infradoctor.syntax.yaml import load_positioned_all, source_from_text

    src = source_from_text(
        "services:\n  a:\n    image: x\n    ports: ['80']\n"
        "  b:\n    image: ${IMG}\n    command: [run, '$$HOME', plain]\n"
    )
    docs, _ = load_positioned_all(src)
    root = docs[0]
    assert root is not None
    out = interpolate.interpolate_tree(root, {"IMG": "nginx"}, [])
    services, new_services = root.get("services"), out.get("services")
    assert services is not None and new_services is not None
    assert new_services.get("a") is services.get("a")  # untouched subtree shared
    b = new_services.get("b")
    assert b is not None and b.value == {"image": "nginx", "command": ["run", "$HOME", "plain"]}
    old_b = services.get("b")
    assert old_b is not None and b is not old_b
    command, old_command = b.get("command"), old_b.get("command")
    assert command is not None and old_command is not None
    assert command.items[0] is old_command.items[0] and command.items[2] is old_command.items[2]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("A=b #c", "b"),
        ("A=b#c", "b#c"),
        ("A=b\t#c", "b"),
        ("A=  spaced  ", "spaced"),
        ("A=${X}#1", "x#1"),
        ("A=${X} # note", "x"),
        ("A=#only", "#only"),
    ],
)
def test_env_file_unquoted_values(line: str, value: str) -> None:
    assert parse_env_file(line + "\n", {"X": "x"}).values["A"] == value


def test_env_file_interpolation_error_keeps_its_line() -> None:
    parsed = parse_env_file("OK=1\nBAD=${X\n", {})
    assert parsed.interpolation_errors and parsed.interpolation_errors[0][0] == 2


# ---------------------------------------------------------------- work skipped


def test_env_file_parsed_once_per_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, compose, "parse_env_file")
    body = "".join(f"  s{i}:\n    image: nginx\n    env_file: shared.env\n" for i in range(20))
    stack = _load(tmp_path, {"shared.env": "K=v\n", "compose.yaml": "services:\n" + body})
    services = stack.projects[0].services
    assert all(s.environment["K"].value == "v" for s in services.values())
    assert services["s5"].environment["K"].location.line == 1
    assert len(calls) == 1


def test_unset_values_read_only_in_projects_with_an_unset_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SURELY_UNSET_1", raising=False)
    walked = _counting(monkeypatch, compose._ComposeLoader, "unset_values")
    stack = _load(
        tmp_path,
        {
            "a/compose.yaml": "services:\n  one:\n    image: x\n  two:\n    image: y\n",
            "b/compose.yaml": (
                "services:\n  web:\n    image: nginx\n"
                "    command: serve --port ${SURELY_UNSET_1}\n  db:\n    image: postgres\n"
            ),
        },
    )
    by_name = {p.name: p for p in stack.projects}
    assert by_name["b"].services["web"].unset_values == {
        "serve --port ": "serve --port " + listen.UNSET_MARK
    }
    assert by_name["b"].services["db"].unset_values == {}
    assert all(not s.unset_values for s in by_name["a"].services.values())
    assert len(walked) == 2  # the services of b only


def test_unset_value_from_an_included_file_is_found(tmp_path: Path) -> None:
    stack = _load(
        tmp_path,
        {
            "compose.yaml": "include:\n  - inc/compose.yaml\nservices:\n  web:\n    image: x\n",
            "inc/compose.yaml": "services:\n  api:\n    image: api\n    expose: ['${NOPE_X_1}']\n",
        },
    )
    api = stack.projects[0].services["api"]
    assert api.unset_values == {"": listen.UNSET_MARK}


# ---------------------------------------------------------------- listen facts


def _service(command: list[str] | str | None = None, image: str = "python:3.12") -> Service:
    here = Location("compose.yaml", 1, 1)
    return Service(
        name="app", project="p", file="compose.yaml", location=here, image=image, command=command
    )


@pytest.mark.parametrize(
    ("command", "ports"),
    [
        (["myserver", "--port", "8080"], [8080]),
        (["myserver", "--port=8081"], [8081]),
        (["myserver", "-p8082"], [8082]),
        (["myserver", "--listen", "0.0.0.0:8083"], [8083]),
        (["myserver", "--http-port", "8084", "--bind", "127.0.0.1:8085"], [8084, 8085]),
        (["myserver", "config.toml"], []),
        (["mkdir", "--port", "1"], []),
        ("A=1 myserver --listen-port 8086 && other --addr :8087", [8086, 8087]),
    ],
)
def test_generic_flags(command: list[str] | str, ports: list[int]) -> None:
    found = listen.detect_generic_flags(_service(command), {})
    assert [f.port for f in found] == ports


def test_command_prefix_assignment_seen_by_the_server_only() -> None:
    """`PORT=9001 gunicorn ...` binds 9001; the caller's environment is never written."""
    svc = _service("PORT=9001 gunicorn app:app && echo $PORT", image="python")
    env = {"PORT": "7000"}
    found = listen.detect_command(svc, env)
    assert [(f.port, f.host, f.kind) for f in found] == [(9001, "0.0.0.0", "default")]
    assert env == {"PORT": "7000"}
    assert [(f.port, f.kind) for f in listen.detect_command(_service("gunicorn a:b"), env)] == [
        (7000, "default")
    ]


@pytest.mark.parametrize(
    ("words", "hit"),
    [
        (["php-fpm8.2", "-F"], (0, "php-fpm")),
        (["php-fpmx"], None),
        (["/usr/local/bin/uvicorn", "app:app"], (0, "uvicorn")),
        (["python", "-m", "http.server"], (2, "http.server")),
        (["python", "manage.py", "runserver"], (1, "runserver")),
        (["php", "-S", "0.0.0.0:80"], (0, "php")),
        (["php", "artisan"], None),
        (["celery", "worker"], None),
    ],
)
def test_server_word(words: list[str], hit: tuple[int, str] | None) -> None:
    assert listen.server_word(words) == hit


def test_args_values_with_option_and_plain_names() -> None:
    args = Args(["run", "--port", "1", "-p2", "--port=3", "port", "x"])
    assert args.values("--port", "-p") == ["1", "2", "3"]
    assert args.values("port") == ["x"]  # a name that is not an option still matches


def test_web_server_by_image_reads_no_command(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, listen, "_command_tokens")
    assert listen.is_web_server_service(_service(["run"], image="nginx:1.27"))
    assert calls == []
    assert listen.is_web_server_service(_service(["nginx", "-g", "daemon off;"], image="alpine"))
    assert not listen.is_web_server_service(_service(["nginxish"], image="alpine"))
    assert len(calls) == 2


def test_listen_facts_memoised_until_an_input_is_replaced() -> None:
    svc = _service(["uvicorn", "app:app", "--port", "8000"])
    first = listen.detect_listens(svc)
    assert [la.port for la in first] == [8000]
    assert listen.command_tokens(svc) is not listen.command_tokens(svc)  # a copy each time
    svc.command = ["uvicorn", "app:app", "--port", "9000"]
    assert [la.port for la in listen.detect_listens(svc)] == [9000]


# ---------------------------------------------------------------- link


def test_related_projects_worked_out_once_per_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unresolved names look into related projects; which projects are related is
    decided once per project, not once per proxy target."""
    calls = _counting(monkeypatch, link, "_related")
    routes = "".join(
        f"  location /r{i} {{ proxy_pass http://nowhere{i}:80; }}\n" for i in range(12)
    )
    stack = _load(
        tmp_path,
        {
            "compose.yaml": (
                "services:\n  proxy:\n    image: nginx\n"
                "    volumes: ['./nginx.conf:/etc/nginx/nginx.conf:ro']\n"
            ),
            "nginx.conf": "events {}\nhttp {\nserver {\n  listen 80;\n" + routes + "}\n}\n",
            "sub/compose.yaml": "services:\n  api:\n    image: api\n",
            "other/compose.yaml": "services:\n  nowhere3:\n    image: x\n",
        },
    )
    root = next(p for p in stack.projects if p.directory == ".")
    reasons = [t.reason for t in root.targets]
    assert len(reasons) == 12
    resolved = [t for t in root.targets if t.service is not None]
    assert [t.service.name for t in resolved if t.service] == ["nowhere3"]
    assert len(calls) <= len(stack.projects)


@pytest.mark.parametrize(
    "cfg_dir", [".", "a", "a/b", "a/b/c", "ab/c", "x/y", "../out/conf", "/abs/nginx", "a/bc"]
)
def test_deepest_project_as_the_scan_over_every_project(cfg_dir: str) -> None:
    """The project a config is attached to by directory: the deepest directory at or
    above the config's, the first project of that directory (what the old scan over
    every project chose)."""
    from infradoctor.model.stack import Project

    dirs = [".", "a", "a/b", "a/b", "ab", "x", "..", "../out", "/abs", "a/bc"]
    projects = [Project(name=f"p{i}", directory=d) for i, d in enumerate(dirs)]
    by_dir: dict[str, Project] = {}
    for project in projects:
        by_dir.setdefault(project.directory, project)
    best, best_depth = None, -1
    for project in projects:  # the old scan
        pdir = project.directory
        if pdir == "." or cfg_dir == pdir or cfg_dir.startswith(pdir + "/"):
            depth = 0 if pdir == "." else pdir.count("/") + 1
            if depth > best_depth:
                best, best_depth = project, depth
    assert link._deepest_project(by_dir, cfg_dir) is best
