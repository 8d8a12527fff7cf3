"""`NginxConfig.find` (one loop) answers as filtering `walk()` did, on real configs."""

from __future__ import annotations

from pathlib import Path

from infradoctor.loaders import LoadOptions, load_stack

CONF = """\
events {}
http {
    server { listen 80; location / { proxy_pass http://a; location /x { return 200; } } }
    server { listen 81; server_name b; if ($x) { return 404; } }
    upstream a { server 127.0.0.1:8000; }
}
"""


def test_find_and_servers_match_walk(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(CONF)
    (cfg,) = load_stack(tmp_path, LoadOptions()).nginx
    names = {d.name for d in cfg.walk()}
    assert {"server", "location", "listen", "return"} <= names
    for name in [*names, "missing"]:
        assert cfg.find(name) == [d for d in cfg.walk() if d.name == name]
    assert [s.args for s in cfg.servers] == [[], []]
    assert len(cfg.find("server")) == 3  # two server blocks and the upstream's server line
