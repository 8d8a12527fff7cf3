"""Which running nginx master `diagnose` looks at (collectors/nginx.choose_master): a
master started without `-c` runs its binary's compiled-in config, so `--nginx-conf` naming
that file must find it (it was reported as `nginx-down`); with several masters and no
`--nginx-conf`, the choice is said, never silent."""

from __future__ import annotations

from typing import Any

from infradoctor.diagnose.collectors.nginx import choose_master, effective_conf

DEBIAN = {"conf-path": "/etc/nginx/nginx.conf", "prefix": "/usr/share/nginx"}


def _master(pid: int, conf: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"pid": pid, "binary": "/usr/sbin/nginx", "conf": conf, "prefix": None, **extra}


def _defaults(master: dict[str, Any]) -> dict[str, str]:
    return DEBIAN


def test_master_without_c_matches_the_compiled_in_conf() -> None:
    m = _master(10)
    assert choose_master([m], "/etc/nginx/nginx.conf", _defaults) == (m, None)


def test_relative_c_is_resolved_against_the_prefix() -> None:
    m = _master(11, "conf/site.conf", prefix="/srv/ng")
    assert effective_conf(m, DEBIAN) == "/srv/ng/conf/site.conf"
    assert choose_master([m], "/srv/ng/conf/site.conf", _defaults) == (m, None)
    assert effective_conf(_master(12, "x.conf"), DEBIAN) == "/usr/share/nginx/x.conf"


def test_no_master_runs_the_named_conf() -> None:
    chosen, note = choose_master([_master(10, "/srv/a.conf")], "/srv/b.conf", _defaults)
    assert chosen is None and note == "no running nginx master uses /srv/b.conf (masters: pid 10)"
    assert choose_master([], "/srv/b.conf", _defaults) == (None, None)


def test_a_container_master_never_matches_a_host_path() -> None:
    inside = _master(9, "/etc/nginx/nginx.conf", container=True)
    chosen, _ = choose_master([inside], "/etc/nginx/nginx.conf", _defaults)
    assert chosen is None


def test_several_masters_prefer_this_host_and_say_so() -> None:
    inside = _master(5, container=True)
    host = _master(30, "/etc/nginx/nginx.conf", container=False)
    chosen, note = choose_master([inside, host], None, _defaults)
    assert chosen is host
    assert note == (
        "2 nginx masters are running: diagnosed pid 30 (/etc/nginx/nginx.conf), not pid 5; "
        "pass --nginx-conf to choose"
    )


def test_one_master_needs_no_note() -> None:
    m = _master(7, container=True)
    assert choose_master([m], None, _defaults) == (m, None)
    assert choose_master([], None, _defaults) == (None, None)
