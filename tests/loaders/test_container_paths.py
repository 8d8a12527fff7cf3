"""nginx includes resolve through the container that holds the including file (issue 10
item 1): a Dockerfile `COPY sites/ /etc/nginx/conf.d/` or a compose bind mount
`./sites:/etc/nginx/conf.d` makes `include /etc/nginx/conf.d/*.conf;` mean `sites/*.conf`
even when the tree's layout does not mirror the container's (loaders/container_paths.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders import load_stack
from infradoctor.loaders.container_paths import ContainerPaths, Placement
from infradoctor.model.stack import Stack

Tree = Callable[[Mapping[str, str]], Path]

NGINX_CONF = """\
events {}
http {
    server_tokens off;
    include /etc/nginx/conf.d/*.conf;
}
"""
SITE = """\
server {
    listen 80;
    location / {
        proxy_pass http://api:8000;
    }
}
"""
API = "  api:\n    image: acme/api:1\n    expose: ['8000']\n"


def _stack(tree: Tree, files: Mapping[str, str]) -> Stack:
    return load_stack(tree(files))


def _configs(stack: Stack) -> dict[str, list[str]]:
    """root file -> the files spliced into it."""
    return {c.root_file: c.files for c in stack.nginx}


def _built(dockerfile: str, **extra: str) -> dict[str, str]:
    compose = "services:\n  nginx:\n    build: ./nginx\n    ports: ['80:80']\n" + API
    return {
        "compose.yml": compose,
        "nginx/Dockerfile": dockerfile,
        "nginx/nginx.conf": NGINX_CONF,
        "nginx/sites/app.conf": SITE,
        **extra,
    }


def test_copy_directory_into_conf_d(tree: Tree) -> None:
    files = _built(
        "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY sites/ /etc/nginx/conf.d/\n"
    )
    assert _configs(_stack(tree, files)) == {
        "nginx/nginx.conf": ["nginx/nginx.conf", "nginx/sites/app.conf"]
    }


def test_without_the_copy_the_site_stands_alone(tree: Tree) -> None:
    """The same tree with no Dockerfile placing sites/: nothing says where it goes."""
    files = _built("FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\n")
    assert set(_configs(_stack(tree, files))) == {"nginx/nginx.conf", "nginx/sites/app.conf"}


@pytest.mark.parametrize(
    "copy",
    [
        "COPY sites/app.conf /etc/nginx/conf.d/\n",  # trailing slash: into the directory
        "COPY sites/app.conf /etc/nginx/conf.d\n",  # conf.d is a directory of the image
        "COPY sites/app.conf /etc/nginx/conf.d/app.conf\n",
        "COPY sites/*.conf /etc/nginx/conf.d/\n",
        'COPY ["sites/app.conf", "/etc/nginx/conf.d/app.conf"]\n',
        "WORKDIR /etc/nginx\nCOPY sites/app.conf conf.d/\n",
        "COPY --chown=nginx:nginx sites/app.conf /etc/nginx/conf.d/\n",
    ],
)
def test_copy_forms(tree: Tree, copy: str) -> None:
    files = _built("FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\n" + copy)
    assert _configs(_stack(tree, files)) == {
        "nginx/nginx.conf": ["nginx/nginx.conf", "nginx/sites/app.conf"]
    }


@pytest.mark.parametrize(
    "copy",
    [
        "COPY --from=build /src/app.conf /etc/nginx/conf.d/app.conf\n",  # not the context
        "COPY sites/app.conf /etc/nginx/other.d/app.conf\n",  # not where the include looks
        "COPY sites/app.conf /etc/nginx/conf.d/app.txt\n",  # placed, but *.conf misses it
    ],
)
def test_copies_that_do_not_place_the_site(tree: Tree, copy: str) -> None:
    files = _built("FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\n" + copy)
    assert "nginx/sites/app.conf" in _configs(_stack(tree, files))


def test_relative_include_in_a_file_under_etc_nginx(tree: Tree) -> None:
    files = _built(
        "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY sites /etc/nginx/conf.d\n",
        **{"nginx/nginx.conf": NGINX_CONF.replace("/etc/nginx/conf.d/", "conf.d/")},
    )
    assert _configs(_stack(tree, files)) == {
        "nginx/nginx.conf": ["nginx/nginx.conf", "nginx/sites/app.conf"]
    }


def test_bind_mount_directory(tree: Tree) -> None:
    compose = (
        "services:\n  nginx:\n    image: nginx:1.27\n    ports: ['80:80']\n    volumes:\n"
        "      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro\n"
        "      - ./nginx/sites:/etc/nginx/conf.d:ro\n" + API
    )
    files = {"compose.yml": compose, "nginx/nginx.conf": NGINX_CONF, "nginx/sites/app.conf": SITE}
    assert _configs(_stack(tree, files)) == {
        "nginx/nginx.conf": ["nginx/nginx.conf", "nginx/sites/app.conf"]
    }


def test_dockerfile_without_compose_uses_its_directory(tree: Tree) -> None:
    files = _built(
        "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY sites/ /etc/nginx/conf.d/\n"
    )
    del files["compose.yml"]
    assert _configs(_stack(tree, files)) == {
        "nginx/nginx.conf": ["nginx/nginx.conf", "nginx/sites/app.conf"]
    }


def test_another_containers_copy_is_not_followed(tree: Tree) -> None:
    """Only the container holding the including file counts: a sibling image that COPYs
    its own sites into its conf.d says nothing about this nginx.conf."""
    files = _built(
        "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\n",
        **{
            "other/Dockerfile": "FROM nginx:1.27\nCOPY sites/ /etc/nginx/conf.d/\n",
            "other/sites/other.conf": SITE,
        },
    )
    configs = _configs(_stack(tree, files))
    assert configs["nginx/nginx.conf"] == ["nginx/nginx.conf"]
    assert "other/sites/other.conf" in configs


def test_copy_outside_the_context_is_ignored(tree: Tree) -> None:
    files = _built(
        "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\n"
        "COPY ../outside/ /etc/nginx/conf.d/\n",
        **{"outside/app.conf": SITE},
    )
    stack = _stack(tree, files)
    assert _configs(stack)["nginx/nginx.conf"] == ["nginx/nginx.conf"]
    assert not [e for e in stack.errors if e.kind == "internal"]


def test_spliced_site_gets_the_http_level_settings(tree: Tree) -> None:
    """What it changes for a rule: server_tokens off in nginx.conf's http block now covers
    the COPYed site (bitrixdock's default.conf was reported by NGX001 before)."""
    copy = (
        "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY sites/ /etc/nginx/conf.d/\n"
    )
    config = LintConfig(select=["NGX001"], report_unused_suppressions=False)
    assert lint(tree(_built(copy)), config).findings == []
    alone = "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\n"
    [f] = lint(tree(_built(alone), "alone"), config).findings
    assert f.file == "nginx/sites/app.conf"


def test_resolve_unit() -> None:
    paths = ContainerPaths(
        [
            [
                Placement("/etc/nginx/nginx.conf", "a/nginx.conf", False),
                Placement("/etc/nginx/conf.d", "a/sites", True),
                Placement("/etc/nginx/snippets/proxy.conf", "a/proxy.conf", False),
            ],
            [Placement("/etc/nginx", "", True)],  # `COPY . /etc/nginx/` from the root
        ]
    )
    assert paths.resolve("a/nginx.conf", "/etc/nginx/conf.d/*.conf") == [
        "a/sites/*.conf",
        "conf.d/*.conf",  # the root-wide placement holds every file
    ]
    assert paths.resolve("a/sites/x.conf", "/etc/nginx/snippets/*.conf")[0] == "a/proxy.conf"
    assert paths.resolve("a/sites/x.conf", "snippets/proxy.conf")[0] == "a/proxy.conf"
    assert ContainerPaths([[Placement("/app", "b", True)]]).resolve("b/n.conf", "x.conf") == []
    assert ContainerPaths().resolve("a/nginx.conf", "/etc/nginx/conf.d/*.conf") == []
