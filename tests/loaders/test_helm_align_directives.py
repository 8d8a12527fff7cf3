"""Rendered lines produced by an `include ... | nindent N` stay on that directive: a
similar line further down the template (another container's volumeMounts) must not pull
the alignment past the template lines that follow it (the nextcloud chart's probes
landed on its nginx sidecar's last mount line before)."""

from __future__ import annotations

from infradoctor.loaders.helm import align

TEMPLATE = [
    "containers:",  # 1
    "  - name: app",  # 2
    "    volumeMounts:",  # 3
    '      {{- include "x.mounts" . | nindent 6 }}',  # 4
    "    {{- if .Values.probe }}",  # 5
    "    livenessProbe:",  # 6
    "      httpGet:",  # 7
    "        path: /health",  # 8
    "    {{- end }}",  # 9
    "  - name: sidecar",  # 10
    "    volumeMounts:",  # 11
    "      - name: data",  # 12
    "        mountPath: /data",  # 13
    "      - name: conf",  # 14
]
RENDERED = [
    "containers:",
    "  - name: app",
    "    volumeMounts:",
    "      - name: data",
    "        mountPath: /data",
    "      - name: conf",
    "    livenessProbe:",
    "      httpGet:",
    "        path: /health",
    "  - name: sidecar",
]


def test_include_output_stays_before_the_following_lines() -> None:
    got = align(RENDERED, TEMPLATE)
    assert got[3:6] == [3, 3, 3]  # the include's mounts: not the sidecar's lines 12-14
    assert got[6:9] == [6, 7, 8]  # the probe lands on its own template lines
    assert got[9] == 10


def test_shallower_lines_leave_the_directive() -> None:
    rendered = ["containers:", "  - name: app", "    volumeMounts:", "    livenessProbe:"]
    assert align(rendered, TEMPLATE)[3] == 6
