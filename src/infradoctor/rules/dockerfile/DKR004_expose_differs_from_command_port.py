"""DKR004: EXPOSE says one port, the start command listens on another."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.facts.images import chain_last, command_ports, stage_chain
from infradoctor.findings import Finding, Severity
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Dockerfile, Instruction, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.subjects import DockerfileSubject

EXPOSE_WORD_RE = lazy(r"^([0-9]{1,5})(?:-([0-9]{1,5}))?(?:/(tcp|udp|sctp))?$", re.IGNORECASE)
LISTED_RANGE = 16  # a range up to this size is listed port by port in the message


def exposed_ports(df: Dockerfile) -> tuple[list[tuple[int, int]], list[Instruction]] | None:
    """Port ranges (low, high) EXPOSEd in the final stage chain, sorted and merged (a
    range stays two numbers: `EXPOSE 1-65535` is not 65535 ports); None when one of them
    is a variable or not a port."""
    ranges: list[tuple[int, int]] = []
    instructions: list[Instruction] = []
    for stage in stage_chain(df):
        for ins in stage.all("EXPOSE"):
            instructions.append(ins)
            for word in ins.value.split():
                m = EXPOSE_WORD_RE.match(word)
                if m is None:
                    return None
                lo = int(m.group(1))
                hi = int(m.group(2) or lo)
                if hi < lo or hi > 65535:
                    return None
                ranges.append((lo, hi))
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged, instructions


def _listed(ranges: list[tuple[int, int]]) -> list[str]:
    out: list[str] = []
    for lo, hi in ranges:
        if hi - lo < LISTED_RANGE:
            out.extend(str(p) for p in range(lo, hi + 1))
        else:
            out.append(f"{lo}-{hi}")
    return out


@record(frozen=True)
class ExposeMismatch(DockerfileSubject):
    """The Dockerfile, the ports it EXPOSEs and the ports its start command listens on."""

    exposed: list[str]
    command_ports: list[int]


class ExposeDiffersFromCommandPort(Rule):
    code = "DKR004"
    name = "expose-differs-from-command-port"
    title = "EXPOSE differs from the port the start command listens on"
    severity = Severity.WARNING
    category = "dockerfile"
    why = (
        "EXPOSE is documentation that tools act on: people write `proxy_pass "
        'http://api:<EXPOSEd port>` and `ports: "8080:<EXPOSEd port>"` from it, '
        "`docker run -P` publishes it, and platforms (Coolify, Dokku, Cloud Run-style "
        "setups) route to it. When the CMD says `--bind 0.0.0.0:8000` but the Dockerfile "
        "says `EXPOSE 5000`, whoever trusts EXPOSE gets connection refused: nginx answers "
        "502 Bad Gateway. Only ports written literally in the command (gunicorn/uvicorn "
        "--bind/--port, runserver, -Dserver.port, next/flask -p, ...) are compared; "
        "EXPOSE with variables is skipped."
    )
    how_to_fix = (
        "Make EXPOSE match the port the process binds (or drive both from one ARG):\n\n"
        "```dockerfile\nARG PORT=8000\nEXPOSE ${PORT}\n"
        'CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n```'
    )
    references = ("https://docs.docker.com/reference/dockerfile/#expose",)
    examples = (
        Example(
            bad={
                "api/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "WORKDIR /app\n"
                    "COPY . .\n"
                    "EXPOSE 5000\n"
                    'CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n'
                )
            },
            good={
                "api/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "WORKDIR /app\n"
                    "COPY . .\n"
                    "EXPOSE 8000\n"
                    'CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n'
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for path, df in stack.dockerfiles.items():
            found = exposed_ports(df)
            if found is None:
                continue
            exposed, instructions = found
            if not exposed:
                continue
            entry = chain_last(df, "ENTRYPOINT")
            cmd = chain_last(df, "CMD")
            commands = [i for i in (entry, cmd) if i is not None]
            text = " ".join(" ".join(i.exec_form) if i.exec_form else i.value for i in commands)
            ports = command_ports(text)
            if not ports or any(lo <= p <= hi for p in ports for lo, hi in exposed):
                continue
            listed = ", ".join(_listed(exposed))
            yield self.finding(
                instructions[-1].location,
                f"{path}: EXPOSE {listed} but the start command listens on "
                f"{', '.join(str(p) for p in ports)}: proxies and port mappings written "
                "from EXPOSE get connection refused (502)",
                subject=path,
                related=[commands[-1].location],
                detail=ExposeMismatch(path, _listed(exposed), ports),
            )
