"""Property tests: for random valid compose and nginx files full of comments, applying
every fix (safe and unsafe) keeps every original comment line, still parses, and keeps
the model apart from the intended changes."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infradoctor.config import LintConfig
from infradoctor.fixes.apply import run_fixes
from infradoctor.loaders.files import SourceReader
from infradoctor.loaders.nginx import load_nginx_configs
from infradoctor.model.source import FileKind

NAMES = st.sampled_from(["web", "api", "db", "cache", "worker", "auth", "queue"])
WORDS = st.text(alphabet="abcdefghij -_:/", min_size=1, max_size=12).map(str.strip).filter(bool)
COMMENT = WORDS.map(lambda w: f"# {w}")
SETTINGS = settings(
    max_examples=int(os.environ.get("FIX_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ALL = LintConfig(report_unused_suppressions=False)


@st.composite
def compose_files(draw: st.DrawFn) -> str:
    unit = draw(st.sampled_from([2, 4]))
    pad = " " * unit
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    lines = [draw(COMMENT), "services:"]
    for i, name in enumerate(names):
        if draw(st.booleans()):
            lines.append(f"{pad}{draw(COMMENT)}")
        lines.append(f"{pad}{name}:")
        lines.append(
            f"{pad * 2}image: example/{name}:1.{i}"
            + (f"  {draw(COMMENT)}" if draw(st.booleans()) else "")
        )
        if draw(st.booleans()):
            lines.append(f"{pad * 2}ports:")
            lines.append(f'{pad * 3}- "{8000 + i}:{8000 + i}"')
        others = [n for n in names if n != name]
        if others and draw(st.booleans()):
            lines.append(f"{pad * 2}depends_on:")
            for dep in others[: draw(st.integers(1, len(others)))]:
                lines.append(
                    f"{pad * 3}- {dep}" + (f"  {draw(COMMENT)}" if draw(st.booleans()) else "")
                )
        if draw(st.booleans()):
            lines.append(f"{pad * 2}healthcheck:")
            lines.append(f'{pad * 3}test: ["CMD", "true"]')
        if draw(st.booleans()):
            lines.append(f"{pad * 2}{draw(COMMENT)}")
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines) + "\n"


def _comments(text: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in text.splitlines():
        if "#" in line:
            out[line[line.index("#") :].strip()] += 1
    return out


def _fix_all(files: dict[str, str]) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "s"
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        run = run_fixes(root, ALL, unsafe=True)
        assert not run.refused
        return {rel: (root / rel).read_text() for rel in files}


@SETTINGS
@given(compose_files())
def test_compose_fixes_keep_comments_and_model(text: str) -> None:
    fixed = _fix_all({"docker-compose.yml": text})["docker-compose.yml"]
    assert not _comments(text) - _comments(fixed)
    before = yaml.safe_load(text)["services"]
    after = yaml.safe_load(fixed)["services"]
    assert list(after) == list(before)
    for name, svc in before.items():
        new = after[name]
        for key, value in svc.items():
            if key == "depends_on":
                assert list(new[key]) == list(value)
            else:
                assert new[key] == value, (name, key)
        assert new.get("restart") == "unless-stopped"
        assert new["logging"]["options"]["max-size"] == "10m"


@st.composite
def nginx_files(draw: st.DrawFn) -> str:
    ind = draw(st.sampled_from(["    ", "  ", "\t"]))
    lines = [draw(COMMENT)]
    multi = draw(st.booleans())
    if multi:
        lines += ["upstream app {", f"{ind}server app1:8000;", f"{ind}server app2:8000;"]
        if draw(st.booleans()):
            lines.append(f"{ind}keepalive 16;")
        lines.append("}")
    for s in range(draw(st.integers(1, 2))):
        lines.append("server {")
        lines.append(
            f"{ind}listen {80 + s};" + (f"  {draw(COMMENT)}" if draw(st.booleans()) else "")
        )
        if draw(st.booleans()):
            lines.append(f"{ind}proxy_set_header Host $host;")
        for loc in draw(
            st.lists(
                st.sampled_from(["/", "/api/", "/ws/", "/static/"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        ):
            if draw(st.booleans()):
                lines.append(f"{ind}{draw(COMMENT)}")
            lines.append(f"{ind}location {loc} {{")
            target = "http://app" if multi and draw(st.booleans()) else "http://web:3000"
            lines.append(f"{ind * 2}proxy_pass {target};")
            if draw(st.booleans()):
                lines.append(f"{ind * 2}proxy_set_header X-Real-IP $remote_addr;")
            lines.append(f"{ind}}}")
        lines.append("}")
    return "\n".join(lines) + "\n"


@SETTINGS
@given(nginx_files())
def test_nginx_fixes_keep_comments_and_parse(text: str) -> None:
    fixed = _fix_all({"nginx/conf.d/app.conf": text})["nginx/conf.d/app.conf"]
    assert not _comments(text) - _comments(fixed)
    assert "server_tokens off;" in fixed and "proxy_connect_timeout" in fixed
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "app.conf"
        path.write_text(fixed)
        reader = SourceReader(Path(tmp))
        src = reader.read(path, FileKind.NGINX)
        configs, errors = load_nginx_configs([src], reader)  # type: ignore[list-item]
    assert not errors, errors
    cfg = configs[0]
    assert len(cfg.find("location")) == text.count("location ")
    assert len(cfg.find("server")) - len(cfg.find("upstream")) * 2 == text.count("server {")
    assert len([d for d in cfg.find("proxy_pass")]) == text.count("proxy_pass")
    # every original directive line is still there, unchanged
    for line in text.splitlines():
        if line.strip() and not line.strip().startswith("#"):
            assert line in fixed.splitlines() or line.split("#")[0].rstrip() in fixed
