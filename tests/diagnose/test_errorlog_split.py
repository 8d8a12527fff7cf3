"""error.log in three steps: errorparse (one line), errorclass (its kind), errorlog
(summaries); errorlog re-exports the first two so callers keep one import."""

from __future__ import annotations

from infradoctor.diagnose import errorclass, errorline, errorlog, errorparse

REFUSED = (
    "2026/08/21 10:00:01 [error] 31#31: *7 connect() failed (111: Connection refused) while "
    'connecting to upstream, client: 10.0.0.9, server: shop, request: "GET / HTTP/1.1", '
    'upstream: "http://172.18.0.5:8000/", host: "shop"'
)


def test_parse_gives_a_classified_line() -> None:
    line = errorparse.parse_line(REFUSED, "error.log", 1)
    assert line is not None
    assert (line.errno, line.action, line.upstream) == (
        111,
        "connecting to upstream",
        "http://172.18.0.5:8000/",
    )
    assert (line.kind, line.ref, line.status, line.is_failure) == ("refused", "C1", 502, True)


def test_classify_alone_sets_kind_ref_status() -> None:
    line = errorparse.ErrorLine("", 0, "", None, "error", 1, None, "upstream timed out")
    line.errno, line.action = 110, "reading response header from upstream"
    errorclass.classify(line)
    assert (line.kind, line.ref, line.status) == ("timeout", "H1", 504)


def test_no_live_upstreams_names_the_group() -> None:
    line = errorparse.ErrorLine("", 0, "", None, "error", 1, None, "no live upstreams")
    line.upstream = "http://backend/"
    errorclass.classify(line)
    assert (line.kind, line.name) == ("no-live-upstreams", "backend")


def test_summarize_counts_what_parse_and_classify_found() -> None:
    summary = errorlog.summarize([("error.log", REFUSED + "\n" + REFUSED.replace("*7", "*8"))])
    assert summary.failed_requests == 2
    assert [pf.peer.host for pf in summary.peers.values() if pf.peer] == ["172.18.0.5"]


def test_errorlog_reexports_the_steps() -> None:
    assert errorlog.parse_line is errorparse.parse_line
    assert errorlog.classify is errorclass.classify
    assert errorlog.FAILURE_KINDS is errorline.FAILURE_KINDS
    assert errorlog.utc_strftime is errorparse.utc_strftime
