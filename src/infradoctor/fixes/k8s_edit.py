"""Kubernetes edit machinery shared by the K8S fixers (their fixes live beside their
rules: K8S004 readinessProbe, K8S010 PDB, K8S029 pull policy): where the serving container
is, what probe a known health endpoint gives, overlay patches, Terraform blocks, scalars."""

from __future__ import annotations

import json
import re
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.facts.images import image_facts
from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.context import FixContext, FixUnavailable, YamlFile, make_fix
from infradoctor.lazyre import lazy
from infradoctor.model.k8s import Container, K8sObject, Probe, nearest
from infradoctor.model.source import Location
from infradoctor.records import record

UNSAFE = Applicability.UNSAFE
DISPLAY = Applicability.DISPLAY_ONLY


# ---------------------------------------------------------------- K8S004 readinessProbe

SAFE = Applicability.SAFE
READY_TIMING = {"periodSeconds": 5, "failureThreshold": 3}
# Spring Boot's probe groups come as a pair: a liveness probe on the one means the
# readiness group is served too (management.endpoint.health.probes)
_SPRING_LIVENESS = lazy(r"^(.*/actuator/health)/liveness$")


@record(frozen=True)
class ReadinessPlan:
    """The readinessProbe to add and how sure we are of it."""

    probe: dict[str, Any]
    applicability: Applicability
    title: str
    copied: Probe | None = None  # the liveness/startup probe it copies


@record
class _K8sIndex:
    """Objects by ref, Services by name and workloads by container location, built once
    per lint (fixers run per finding: no scan of the whole stack each time)."""

    by_ref: dict[str, list[K8sObject]]
    services: dict[str, list[K8sObject]]
    by_container: dict[Location, list[K8sObject]]
    pdbs: dict[Location | None, list[K8sObject]]  # by the minAvailable/maxUnavailable line


def k8s_index(ctx: FixContext) -> _K8sIndex:
    def build() -> _K8sIndex:
        out = _K8sIndex({}, {}, {}, {})
        for o in ctx.stack.k8s:
            if o.pdb is not None:
                out.pdbs.setdefault(o.pdb.location, []).append(o)
            out.by_ref.setdefault(o.ref, []).append(o)
            if o.service is not None:
                out.services.setdefault(o.name, []).append(o)
            for c in o.containers:
                out.by_container.setdefault(c.location, []).append(o)
        return out

    return ctx.memo("k8s-fix-index", build)


def finding_container(ctx: FixContext, finding: Finding, name: str) -> tuple[K8sObject, Container]:
    """The workload and container `name` a K8S004/K8S029 finding is about, at the
    finding's location (repositories hold several copies of one workload)."""
    subject = finding.subject or ""
    ref = subject.rsplit(":", 1)[0] if ":" in subject else subject
    found: list[tuple[K8sObject, Container]] = []
    for obj in k8s_index(ctx).by_ref.get(ref, ()):
        pod = obj.workload.pod if obj.workload is not None else None
        for c in (pod.containers + pod.init_containers) if pod is not None else ():
            if c.name == name and finding.location in (c.location, c.image_pull_policy_location):
                found.append((obj, c))
    # a shared base: the copy the finding is about has no readiness probe
    found.sort(key=lambda wc: any("readiness" in c.probes for c in wc[0].containers))
    if not found:
        raise FixUnavailable("container not found")
    return found[0]


def _copied_action(probe: Probe) -> dict[str, Any] | None:
    """The handler of a liveness/startup probe, for a readiness probe to reuse."""
    if probe.handler not in ("httpGet", "tcpSocket", "grpc") or not isinstance(probe.action, dict):
        return None
    action = dict(probe.action)
    if probe.handler == "httpGet":
        path = action.get("path")
        if not isinstance(path, str):
            return None
        m = _SPRING_LIVENESS.match(path)
        if m:
            action["path"] = m.group(1) + "/readiness"
    if action.get("port") is None or any(isinstance(v, float) for v in action.values()):
        return None
    return {probe.handler: action}


def _from_probe(c: Container) -> ReadinessPlan | None:
    for kind in ("liveness", "startup"):
        probe = c.probes.get(kind)
        handler = _copied_action(probe) if probe is not None else None
        if probe is None or handler is None:
            continue
        # the endpoint's latency is known from the probe that works; no initial delay
        # (not ready yet is what readiness is for), a short period to join quickly
        timing: dict[str, int] = {"periodSeconds": 5}
        if "timeoutSeconds" in probe.timing:
            timing["timeoutSeconds"] = probe.timing["timeoutSeconds"]
        timing["failureThreshold"] = 3
        what = f"the {kind}Probe's {probe.handler}"
        return ReadinessPlan({**handler, **timing}, SAFE, f"a readinessProbe from {what}", probe)
    return None


def _port_ref(c: Container, number: int) -> int | str:
    """A container port by its name when it has one (what a probe should name)."""
    for p in c.ports:
        if p.number == number and p.name:
            return p.name
    return number


# flags and settings that move an image's HTTP endpoints under a prefix
_PATH_PREFIX = lazy(
    r"route[-_.]?prefix|external[-_.]?url|root[-_.]?url|sub[-_.]?path|path[-_.]?prefix|base[-_.]?path",
    re.IGNORECASE,
)


def _moves_paths(c: Container) -> bool:
    texts = [*(c.args or []), *(e.name for e in c.env), *(e.value or "" for e in c.env)]
    return any(_PATH_PREFIX.search(t) for t in texts)


def _from_image(c: Container, service_ports: list[int | str]) -> ReadinessPlan | None:
    """The image's documented readiness endpoint, on a port the container serves."""
    row = image_facts(c.image) if c.image else None
    if row is None or row.ready_path is None or row.ready_port is None:
        return None
    if c.command or _moves_paths(c):
        return None  # another program, or the endpoints under a prefix: not the table's
    number = row.ready_port
    if not (c.exposes(number) or number in service_ports):
        return None  # configured to listen elsewhere: the table's port is not this one
    probe = {"httpGet": {"path": row.ready_path, "port": _port_ref(c, number)}, **READY_TIMING}
    return ReadinessPlan(probe, SAFE, f"a readinessProbe on {row.name}'s {row.ready_path}")


def _service_targets(ctx: FixContext, w: K8sObject, c: Container, name: str) -> list[int | str]:
    """The ports of Service `name` (applied with `w`) that reach container `c`: a port
    the container declares, or, when it declares none, the number a Service with a
    cluster IP sends to (a headless Service's ports are often placeholders)."""
    svcs = [o for o in k8s_index(ctx).services.get(name, ()) if o.same_namespace(w)]
    out: list[int | str] = []
    for svc in nearest(w, svcs)[:1]:
        assert svc.service is not None
        undeclared_ok = not c.ports and not svc.service.headless
        for port in svc.service.ports:
            target = port.effective_target
            if isinstance(target, str) and c.port_named(target):
                out.append(target)
            elif isinstance(target, int) and 0 < target < 65536:
                if c.exposes(target) or undeclared_ok:
                    out.append(target)
    return out


def readiness_plan(ctx: FixContext, w: K8sObject, c: Container, service: str) -> ReadinessPlan:
    """A readinessProbe built from what is known, never from a guessed HTTP path: the
    container's own liveness/startup probe, the image's documented endpoint, else (unsafe)
    a TCP check of the port the Service `service` sends traffic to."""
    plan = _from_probe(c)
    if plan is not None:
        return plan
    targets = _service_targets(ctx, w, c, service)
    plan = _from_image(c, targets)
    if plan is not None:
        return plan
    if not targets:
        raise FixUnavailable("no port known to probe")
    port = targets[0] if isinstance(targets[0], str) else _port_ref(c, targets[0])
    probe = {"tcpSocket": {"port": port}, **READY_TIMING}
    return ReadinessPlan(
        probe, UNSAFE, f"a TCP readinessProbe on port {port} (no health path known)"
    )


def mapping_at(ctx: FixContext, path: str, offset: int) -> MappingNode:
    """The block or flow mapping of `path` that starts at `offset` (indexed once per
    document)."""
    node = ctx.yaml(path).node_at(offset, MappingNode)
    if node is None:
        raise FixUnavailable("no container mapping at the finding's location")
    return node


def container_shared(ctx: FixContext, w: K8sObject, c: Container) -> bool:
    """Whether the container's lines also build another rendering (a base several
    kustomize overlays render): an edit there changes them all."""
    return any(o is not w for o in k8s_index(ctx).by_container.get(c.location, ()))


def insert_probe(yf: YamlFile, node: MappingNode, probe: dict[str, Any]) -> list[ye.TextEdit]:
    """`readinessProbe:` as the container's last key, after the comment lines indented
    under its last entry (`# memory: 2Gi` commented out in `limits:` stays there)."""
    edits = ye.insert_keys(yf.text, node, {"readinessProbe": probe}, style=yf.style)
    if node.flow_style or len(edits) != 1:
        return edits
    text, pos = yf.text, edits[0].start
    indent = ye.mapping_indent(text, node)
    moved = pos
    while moved < len(text):
        line = text[moved + 1 : ye.line_end(text, moved + 1)]
        if not line.lstrip().startswith("#") or len(line) - len(line.lstrip()) <= indent:
            break
        moved = ye.line_end(text, moved + 1)
    if moved == pos:
        return edits
    want = ye.intended({**ye.plain_value(node), "readinessProbe": probe})
    return ye.with_check(text, [ye.TextEdit(moved, moved, edits[0].replacement)], node, want)


_KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _base_document(ctx: FixContext, w: K8sObject) -> tuple[str, str]:
    """(apiVersion, kind) of the base document that renders `w`, checked to carry the
    rendered name (no prefix or suffix in between: the patch names the object so)."""
    src = ctx.stack.files.get(w.location.file)
    if src is None or str(src.kind) != "k8s":
        raise FixUnavailable("the object's document is not a manifest")
    doc = mapping_at(ctx, w.location.file, src.offset_of(w.location.line, w.location.column))
    fields = [ye.find(doc, key) for key in (["apiVersion"], ["kind"], ["metadata", "name"])]
    values = [n.value if isinstance(n, ScalarNode) else None for n in fields]
    if values[1] != w.kind or values[2] != w.name or not values[0]:
        raise FixUnavailable("renamed between the base and the overlay")
    return str(values[0]), w.kind


def _patch_text(w: K8sObject, c: Container, api: str, probe: dict[str, Any]) -> str:
    """A strategic-merge patch adding the probe to container `c` of `w`."""
    style = ye.Style(2, True, '"')
    container = {"name": c.name, "readinessProbe": probe}
    lines = [
        *ye.render_entry("apiVersion", api, 0, style),
        *ye.render_entry("kind", w.kind, 0, style),
        *ye.render_entry("metadata", {"name": w.name}, 0, style),
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        *ye.render_item(container, 8, style),
    ]
    return "\n".join(lines)


def overlay_patches(ctx: FixContext, c: Container, service: str) -> Fix:
    """The probe as an inline patch in every overlay whose render of this shared base
    has none (one finding can stand for several identical renders); the overlays with
    their own probe are left alone. All of them or none."""
    lacking = [
        o
        for o in k8s_index(ctx).by_container.get(c.location, ())
        if not any("readiness" in x.probes for x in o.containers)
    ]
    if len({o.file for o in lacking}) != len(lacking):
        raise FixUnavailable("two renders from one kustomization")
    edits: list[Edit] = []
    plans: list[ReadinessPlan] = []
    for o in sorted(lacking, key=lambda o: o.file):
        oc = next((x for x in o.containers if x.location == c.location), None)
        if oc is None:
            raise FixUnavailable("container not found in a render")
        plan = readiness_plan(ctx, o, oc, service)
        edits += _overlay_patch(ctx, o, oc, plan)
        plans.append(plan)
    if not plans or len({(p.title, p.applicability) for p in plans}) != 1:
        raise FixUnavailable("the overlays would get different probes")
    where = ", ".join(_overlay_name(o.file) for o in sorted(lacking, key=lambda o: o.file))
    overlays = "overlays" if len(lacking) > 1 else "overlay"
    title = f"Add {plans[0].title} as a patch in the {where} {overlays}"
    return make_fix(title, plans[0].applicability, edits)


def _overlay_name(path: str) -> str:
    return path.rsplit("/", 2)[-2] if "/" in path else "root"


def _overlay_patch(ctx: FixContext, w: K8sObject, c: Container, plan: ReadinessPlan) -> list[Edit]:
    """The edit adding the probe as an inline patch to the kustomization rendering `w`."""
    if w.file.rsplit("/", 1)[-1] not in _KUSTOMIZATION or w.kind in ("CronJob", "Pod"):
        raise FixUnavailable("not rendered by a kustomization")
    api, _ = _base_document(ctx, w)
    patch = _patch_text(w, c, api, plan.probe)
    yf = ctx.yaml(w.file)
    root = yf.docs[0]
    if not isinstance(root, MappingNode) or root.flow_style or len(yf.docs) != 1:
        raise FixUnavailable("kustomization is not a block mapping")
    pair = ye.find_pair(root, "patches")
    entry = {"patch": patch}
    if pair is None:
        body = _patch_item(patch, 2) if yf.style.indent_sequences else _patch_item(patch, 0)
        pos = ye.line_end(yf.text, ye.content_end(yf.text, root))
        edits = [ye.TextEdit(pos, pos, "\npatches:\n" + body)]
        want: Any = {**ye.plain_value(root), "patches": [entry]}
        node: Node = root
    else:
        seq = pair[1]
        if not isinstance(seq, SequenceNode) or seq.flow_style or not seq.value:
            raise FixUnavailable("`patches:` is not a block list")
        dash = yf.text.rfind("-", 0, seq.value[0].start_mark.index)
        pos = ye.line_end(yf.text, ye.content_end(yf.text, seq))
        edits = [ye.TextEdit(pos, pos, "\n" + _patch_item(patch, ye.column_of(yf.text, dash)))]
        want, node = [*ye.plain_value(seq), entry], seq
    return ctx.yaml_edits(yf, ye.with_check(yf.text, edits, node, want))


def _patch_item(patch: str, indent: int) -> str:
    """`- patch: |-` with the patch as a literal block, its dash at column `indent`."""
    pad = " " * (indent + 4)
    lines = [f"{' ' * indent}- patch: |-", *(pad + line for line in patch.split("\n"))]
    return "\n".join(lines)


# ---------------------------------------------------------------- Terraform (display-only)

_HCL_NAMES = {
    "httpGet": "http_get",
    "tcpSocket": "tcp_socket",
    "periodSeconds": "period_seconds",
    "timeoutSeconds": "timeout_seconds",
    "failureThreshold": "failure_threshold",
    "httpHeaders": "http_header",
}
_HCL_HANDLER = lazy(r"^([ \t]*)(http_get|tcp_socket|grpc)[ \t]*\{", re.MULTILINE)


def _hcl_close(text: str, open_brace: int) -> int:
    """Offset of the `}` closing the block opened at `open_brace` (strings, comments and
    interpolations skipped; a heredoc inside is refused)."""
    depth, i, n = 0, open_brace, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i = _hcl_string_end(text, i)
        elif ch == "#" or text.startswith("//", i):
            i = ye.line_end(text, i)
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 1
        elif text.startswith("<<", i):
            raise FixUnavailable("heredoc inside the block")
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise FixUnavailable("unbalanced block")


def _hcl_string_end(text: str, start: int) -> int:
    """Offset of the quote closing the string that starts at `start`."""
    i, interp = start + 1, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 1
        elif text.startswith("${", i):
            interp += 1
            i += 1
        elif ch == "}" and interp:
            interp -= 1
        elif ch == '"' and not interp:
            return i
        elif ch == "\n":
            break
        i += 1
    raise FixUnavailable("unterminated string")


def _hcl_value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


def _hcl_lines(key: str, value: Any, indent: str, unit: str) -> list[str]:
    """HCL lines of one probe entry (`period_seconds = 5`, `http_get { ... }`)."""
    name = _HCL_NAMES.get(key, key)
    if not isinstance(value, dict):
        if isinstance(value, list):
            raise FixUnavailable(f"{key}: a list is not rendered as HCL")
        return [f"{indent}{name} = {_hcl_value(value)}"]
    lines = [f"{indent}{name} {{"]
    for k, v in value.items():
        lines.extend(_hcl_lines(k, v, indent + unit, unit))
    return [*lines, f"{indent}}}"]


def _block_at(text: str, offset: int) -> tuple[int, int]:
    """(open brace, close brace) of the block whose header starts at `offset`."""
    brace = text.find("{", offset, ye.line_end(text, offset))
    if brace < 0:
        raise FixUnavailable("no block at the location")
    return brace, _hcl_close(text, brace)


def _copied_hcl(text: str, probe: Probe, indent: str) -> list[str] | None:
    """The handler block of the copied probe, verbatim (keeps `local.` references)."""
    if probe.location.offset is None:
        return None
    open_, close = _block_at(text, probe.location.offset)
    for m in _HCL_HANDLER.finditer(text, open_, close):
        if m.group(1) != indent:
            continue
        end = _hcl_close(text, m.end() - 1)
        return text[m.start() : end + 1].split("\n")
    return None


def terraform_readiness(ctx: FixContext, c: Container, plan: ReadinessPlan) -> Fix:
    """A `readiness_probe` block at the end of the container block, for display: HCL
    edits are shown, not written."""
    path = c.location.file
    src = ctx.stack.files.get(path)
    if src is None or str(src.kind) != "terraform" or c.location.offset is None:
        raise FixUnavailable("no Terraform container block")
    text = src.text
    _, close = _block_at(text, c.location.offset)
    if text[ye.line_start(text, close) : close].strip():
        raise FixUnavailable("the block's closing brace shares its line")
    outer = " " * (c.location.column - 1)
    unit = _hcl_unit(text, c.location.offset, close, outer)
    inner = outer + unit
    handler = None
    copied = plan.copied
    if copied is not None and copied.location.file == path and copied.handler == "httpGet":
        action = copied.action if isinstance(copied.action, dict) else {}
        if plan.probe.get("httpGet", {}).get("path") == action.get("path"):
            handler = _copied_hcl(text, copied, inner + unit)
    lines = [f"{inner}readiness_probe {{"]
    for key, value in plan.probe.items():
        if handler is not None and key in ("httpGet", "tcpSocket", "grpc"):
            lines.extend(handler)
        else:
            lines.extend(_hcl_lines(key, value, inner + unit, unit))
    lines.append(f"{inner}}}")
    pos = ye.line_start(text, close)
    title = f"Add {plan.title} (Terraform: shown, not written)"
    return make_fix(title, DISPLAY, [Edit(path, pos, pos, "\n".join(lines) + "\n")])


def _hcl_unit(text: str, start: int, close: int, outer: str) -> str:
    """The indentation step inside a block (two spaces when nothing shows it)."""
    body = text[ye.line_end(text, start) + 1 : close]
    for line in body.split("\n"):
        if line.strip() and line.startswith(outer):
            step = len(line) - len(line.lstrip(" ")) - len(outer)
            if step > 0:
                return " " * step
    return "  "


# ---------------------------------------------------------------- K8S029 imagePullPolicy


_ALWAYS = lazy(r"""(["']?)Always\1""")


def _scalar_at(ctx: FixContext, path: str, offset: int) -> ScalarNode:
    """The YAML scalar of `path` that starts at `offset` (indexed once per document)."""
    node = ctx.yaml(path).node_at(offset, ScalarNode)
    if node is None:
        raise FixUnavailable("no value at the location")
    return node


def set_value(ctx: FixContext, loc: Location, value: str) -> list[Edit]:
    """Replace the scalar at `loc` (YAML: through the checked helper; HCL: the token)."""
    src = ctx.stack.files.get(loc.file)
    if src is None:
        raise FixUnavailable("file not loaded")
    offset = src.offset_of(loc.line, loc.column)
    if str(src.kind) == "terraform":
        m = _ALWAYS.match(src.text, offset)
        if m is None or not m.group(1):
            raise FixUnavailable("not a quoted `Always`")
        return [Edit(loc.file, m.start(), m.end(), f'"{value}"')]
    yf = ctx.yaml(loc.file)
    node = _scalar_at(ctx, loc.file, offset)
    return ctx.yaml_edits(yf, ye.set_scalar(yf.text, node, value, yf.style))
