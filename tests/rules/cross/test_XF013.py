"""XF013 nginx-logs-bind-mounted-without-rotation: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.cross._topology_support import NGINX, Tree, loc, run, site


def test_logs_redirected_to_stdout_need_no_rotation(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "      - ./logs:/var/log/nginx\n"
    conf = "access_log off;\nerror_log /dev/stderr;\n" + site(loc("/", "http://x:80"))
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf}, "XF013") == []
    conf_files = "access_log /var/log/nginx/a.log;\n" + site(loc("/", "http://x:80"))
    [f] = run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf_files}, "XF013")
    assert f.data["host_path"] == "./logs"
