"""Inventory renderers: terminal table, Markdown (for an operations guide), JSON, and the
topology as Mermaid or Graphviz dot text. Input is an `Inventory`, already redacted."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TextIO

from infradoctor.inventory.model import Inventory, RouteEntry, ServiceEntry

# ---------------------------------------------------------------- cells


def ports_cell(s: ServiceEntry) -> str:
    published = [p.label for p in s.ports if p.kind == "published"]
    other = [p.label for p in s.ports if p.kind != "published"]
    parts = published + [f"{o} (internal)" for o in other] if published else other
    return ", ".join(parts) or "-"


def listens_cell(s: ServiceEntry) -> str:
    return ", ".join(la.label for la in s.listens) or "-"


def health_cell(s: ServiceEntry) -> str:
    hc = s.healthcheck
    if hc is None:
        return "-"
    timing = f" every {hc.interval}" if hc.interval else ""
    return f"{hc.test}{timing}" if hc.test else hc.source


def resources_cell(s: ServiceEntry) -> str:
    r = s.resources
    parts = []
    if "memory_limit" in r or "memory_reservation" in r:
        mem = r.get("memory_limit", "-")
        if "memory_reservation" in r:
            mem = f"{r['memory_reservation']}..{mem}"
        parts.append(f"mem {mem}")
    if "cpu_limit" in r or "cpu_reservation" in r:
        cpu = r.get("cpu_limit", "-")
        if "cpu_reservation" in r:
            cpu = f"{r['cpu_reservation']}..{cpu}"
        parts.append(f"cpu {cpu}")
    return ", ".join(parts) or "-"


def image_cell(s: ServiceEntry) -> str:
    if s.image and s.build:
        return f"{s.image} (build {s.build})"
    if s.build:
        return f"build {s.build}"
    return s.image or "-"


def volumes_cell(s: ServiceEntry) -> str:
    return ", ".join(v.label for v in s.volumes) or "-"


def depends_cell(s: ServiceEntry) -> str:
    out = []
    for d in s.depends_on:
        cond = {"service_healthy": " (healthy)", "service_completed_successfully": " (done)"}
        out.append(d.service + cond.get(d.condition, ""))
    return ", ".join(out) or "-"


def routes_cell(s: ServiceEntry) -> str:
    return ", ".join(r.label for r in s.routes) or "-"


def where_cell(s: ServiceEntry) -> str:
    return f"{s.file}:{s.line}"


def _restart_replicas(s: ServiceEntry) -> str:
    restart = s.restart or "-"
    return f"{restart} x{s.replicas}" if s.replicas is not None and s.replicas != 1 else restart


def _profiles(s: ServiceEntry) -> str:
    return ", ".join(s.profiles) or "(always)"


def route_target_cell(r: RouteEntry) -> str:
    if r.resolved:
        port = f":{r.port}" if r.port is not None else ""
        return f"{r.service}{port}"
    return f"UNRESOLVED ({r.reason})" if r.reason else "UNRESOLVED"


SERVICE_COLUMNS: list[tuple[str, Callable[[ServiceEntry], str]]] = [
    ("Service", lambda s: s.name),
    ("Image / build", image_cell),
    ("Ports", ports_cell),
    ("Listens", listens_cell),
    ("Purpose", lambda s: s.description or ""),
    ("Profiles", _profiles),
    ("Health", health_cell),
    ("Restart", _restart_replicas),
    ("Resources", resources_cell),
    ("Volumes", volumes_cell),
    ("Depends on", depends_cell),
    ("Routes", routes_cell),
    ("Where to look", where_cell),
]
ROUTE_COLUMNS: list[tuple[str, Callable[[RouteEntry], str]]] = [
    ("Server", lambda r: r.server),
    ("Listen", lambda r: r.listen),
    ("Location", lambda r: r.location or "/"),
    ("Target", lambda r: r.target),
    ("Service", route_target_cell),
    ("Where", lambda r: f"{r.file}:{r.line}"),
]


def _volume_rows(inv: Inventory) -> list[list[str]]:
    rows = []
    for v in inv.volumes:
        users = ", ".join(
            f"{m.service}:{m.target}{' (ro)' if m.read_only else ''}" for m in v.mounted_by
        )
        where = f"{v.file}:{v.line}" if v.file else "-"
        rows.append([v.name, v.type, users or "(unused)", where])
    return rows


VOLUME_HEADERS = ["Volume", "Type", "Mounted by", "Where"]

# ---------------------------------------------------------------- markdown


def _md_cell(text: str) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if text else " "


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    return lines


def _md_code(text: str) -> str:
    """Inline code for paths and commands (backticks inside are dropped)."""
    return f"`{text.replace('`', '')}`" if text and text != "-" else text


def render_markdown(inv: Inventory, stream: TextIO, title: str = "Service inventory") -> None:
    lines = [f"## {title}", ""]
    if inv.services:
        rows = []
        for s in inv.services:
            row = [fn(s) for _, fn in SERVICE_COLUMNS]
            row[-1] = _md_code(row[-1])
            rows.append(row)
        lines += _md_table([h for h, _ in SERVICE_COLUMNS], rows)
    else:
        lines.append("No services found.")
    if inv.volumes:
        rows = _volume_rows(inv)
        for row in rows:
            row[3] = _md_code(row[3])
        lines += ["", "## Volumes", ""] + _md_table(VOLUME_HEADERS, rows)
    if inv.routes:
        rows = []
        for r in inv.routes:
            row = [fn(r) for _, fn in ROUTE_COLUMNS]
            row[-1] = _md_code(row[-1])
            rows.append(row)
        lines += ["", "## Routes", ""] + _md_table([h for h, _ in ROUTE_COLUMNS], rows)
    if inv.services:
        lines += ["", "## Topology", "", "```mermaid"]
        lines += mermaid_text(inv).rstrip("\n").split("\n")
        lines += ["```"]
    stream.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- json


def render_json(inv: Inventory, stream: TextIO) -> None:
    json.dump(inv.to_dict(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


# ---------------------------------------------------------------- table


def render_table(
    inv: Inventory, stream: TextIO, color: bool = False, width: int | None = 200
) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, force_terminal=color, no_color=not color, width=width)
    short = [
        ("Service", lambda s: s.name),
        ("Image / build", image_cell),
        ("Ports", ports_cell),
        ("Listens", listens_cell),
        ("Profiles", _profiles),
        ("Health", health_cell),
        ("Restart", _restart_replicas),
        ("Resources", resources_cell),
        ("Depends on", depends_cell),
        ("Routes", routes_cell),
        ("Where", where_cell),
    ]
    table = Table(title="Services", title_justify="left", show_lines=False)
    for header, _ in short:
        table.add_column(header, overflow="fold")
    for s in inv.services:
        table.add_row(*(fn(s) for _, fn in short))
    console.print(table)
    if inv.volumes:
        vt = Table(title="Volumes", title_justify="left")
        for header in VOLUME_HEADERS:
            vt.add_column(header, overflow="fold")
        for row in _volume_rows(inv):
            vt.add_row(*row)
        console.print(vt)
    if inv.routes:
        rt = Table(title="Routes", title_justify="left")
        for header, _ in ROUTE_COLUMNS:
            rt.add_column(header, overflow="fold")
        for r in inv.routes:
            cells = [fn(r) for _, fn in ROUTE_COLUMNS]
            style = None if r.resolved else "red"
            rt.add_row(*cells, style=style)
        console.print(rt)


# ---------------------------------------------------------------- topology graph


class Graph:
    """Nodes and edges of the topology picture, shared by the Mermaid and dot writers.
    Nodes: route entries (grouped by nginx config / Ingress), services (grouped by project)
    and unresolved targets; edges: route -> service (label: port), service -> dependency."""

    def __init__(self, inv: Inventory) -> None:
        self.ids: dict[str, str] = {}
        # node id -> (label lines, kind: route|service|unresolved, group)
        self.nodes: dict[str, tuple[list[str], str, str]] = {}
        # (from, to, label, style: route|unresolved|depends)
        self.edges: list[tuple[str, str, str, str]] = []
        for s in inv.services:
            label = [s.name]
            image = image_cell(s)
            if image != "-":
                label.append(image)
            pubs = [p.label for p in s.published]
            if pubs:
                label.append("published " + ", ".join(pubs))
            if s.profiles:
                label.append("profiles: " + ", ".join(s.profiles))
            kind = "published" if pubs else "service"
            self.nodes[self.node_id("svc", s.node_id)] = (label, kind, f"project {s.project}")
        for r in inv.routes:
            group = f"nginx {r.config}" if r.kind == "nginx" else f"ingress {r.config}"
            if r.gateway:
                group += f" (service {r.gateway})"
            rlabel = [r.server if r.server != "_" else "default server", r.location or "/"]
            if r.kind == "nginx":
                rlabel[0] += f" :{r.listen}"
            rid = self.node_id("route", f"{r.config}|{r.server}|{r.listen}|{r.location}")
            self.nodes.setdefault(rid, (rlabel, "route", group))
            if r.resolved and r.service is not None:
                project = r.project or ""
                sid = self.ids.get(f"svc:{project}/{r.service}")
                if sid is None:  # a Kubernetes Service name: point at its workloads
                    sid = self.node_id("svc", f"{project}/{r.service}")
                    self.nodes.setdefault(sid, ([r.service], "service", f"project {project}"))
                port = f":{r.port}" if r.port is not None else ""
                self._edge(rid, sid, port, "route")
            else:
                uid = self.node_id("unresolved", r.target)
                self.nodes.setdefault(
                    uid, ([r.target, f"unresolved: {r.reason or '?'}"], "unresolved", "")
                )
                self._edge(rid, uid, "", "unresolved")
        for s in inv.services:
            src = self.ids[f"svc:{s.node_id}"]
            for d in s.depends_on:
                dst = self.ids.get(f"svc:{s.project}/{d.service}")
                if dst is None:
                    dst = self.node_id("unresolved", f"{s.project}/{d.service}")
                    self.nodes.setdefault(
                        dst, ([d.service, "unresolved: unknown service"], "unresolved", "")
                    )
                    self._edge(src, dst, "depends_on", "unresolved")
                else:
                    cond = "healthy" if d.condition == "service_healthy" else ""
                    self._edge(src, dst, cond, "depends")

    def node_id(self, prefix: str, key: str) -> str:
        full = f"{prefix}:{key}"
        found = self.ids.get(full)
        if found is None:
            base = re.sub(r"[^A-Za-z0-9_]+", "_", f"{prefix}_{key}").strip("_")
            found = base
            n = 2
            while found in self.ids.values():
                found = f"{base}_{n}"
                n += 1
            self.ids[full] = found
        return found

    def _edge(self, a: str, b: str, label: str, style: str) -> None:
        edge = (a, b, label, style)
        if edge not in self.edges:
            self.edges.append(edge)

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for nid, (_, _, group) in self.nodes.items():
            out.setdefault(group, []).append(nid)
        return out


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid_text(inv: Inventory) -> str:
    g = Graph(inv)
    lines = ["flowchart LR"]
    shapes = {
        "route": ('(["', '"])'),
        "service": ('["', '"]'),
        "published": ('[["', '"]]'),
        "unresolved": ('{{"', '"}}'),
    }
    for i, (group, nids) in enumerate(g.groups().items()):
        indent = "  "
        if group:
            lines.append(f'  subgraph g{i}["{_mermaid_text(group)}"]')
            indent = "    "
        for nid in nids:
            label, kind, _ = g.nodes[nid]
            left, right = shapes[kind]
            text = "<br/>".join(_mermaid_text(x) for x in label)
            lines.append(f"{indent}{nid}{left}{text}{right}")
        if group:
            lines.append("  end")
    red: list[int] = []
    for i, (a, b, edge_label, style) in enumerate(g.edges):
        arrow = "-.->" if style == "depends" else "-->"
        text = f"|{_mermaid_text(edge_label)}|" if edge_label else ""
        lines.append(f"  {a} {arrow}{text} {b}")
        if style == "unresolved":
            red.append(i)
    lines.append("  classDef unresolved stroke:#d00,color:#d00,stroke-width:2px")
    lines.append("  classDef published stroke-width:3px")
    unresolved = [n for n, (_, k, _) in g.nodes.items() if k == "unresolved"]
    if unresolved:
        lines.append(f"  class {','.join(unresolved)} unresolved")
    published = [n for n, (_, k, _) in g.nodes.items() if k == "published"]
    if published:
        lines.append(f"  class {','.join(published)} published")
    if red:
        lines.append(f"  linkStyle {','.join(map(str, red))} stroke:#d00,color:#d00")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def dot_text(inv: Inventory) -> str:
    g = Graph(inv)
    lines = [
        "digraph topology {",
        "  rankdir=LR;",
        '  graph [fontname="Helvetica", fontsize=11];',
        '  node [fontname="Helvetica", fontsize=10, shape=box, style=rounded];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    attrs = {
        "route": 'shape=box, style="rounded,filled", fillcolor="#eef4ff"',
        "service": 'shape=box, style="rounded"',
        "published": 'shape=box, style="rounded,bold", peripheries=2',
        "unresolved": 'shape=octagon, color=red, fontcolor=red, style="dashed"',
    }
    for i, (group, nids) in enumerate(g.groups().items()):
        indent = "  "
        if group:
            lines.append(f"  subgraph cluster_{i} {{")
            lines.append(f'    label="{_dot_text(group)}"; style="dashed"; color=grey50;')
            indent = "    "
        for nid in nids:
            label, kind, _ = g.nodes[nid]
            text = "\\n".join(_dot_text(x) for x in label)
            lines.append(f'{indent}"{nid}" [label="{text}", {attrs[kind]}];')
        if group:
            lines.append("  }")
    for a, b, edge_label, style in g.edges:
        extra = ""
        if style == "unresolved":
            extra = ", color=red, fontcolor=red, penwidth=2"
        elif style == "depends":
            extra = ", style=dashed, color=grey40"
        lines.append(f'  "{a}" -> "{b}" [label="{_dot_text(edge_label)}"{extra}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
