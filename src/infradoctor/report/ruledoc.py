"""One rule's documentation as Markdown, rendered from the rule object alone. The same
text feeds `infradoctor explain`, docs/rules/<CODE>-<name>.md and SARIF help.markdown."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infradoctor.rules.base import Rule

FIX_WORDS = {
    "none": "no automatic fix",
    "safe": "safe automatic fix (`infradoctor lint --fix`)",
    "unsafe": "automatic fix that may change behaviour (`--fix --unsafe`)",
    "display-only": "fix suggestion shown, never applied automatically",
    "sometimes": "automatic fix in some cases",
}


def doc_filename(rule: type[Rule]) -> str:
    return f"{rule.code}-{rule.name}.md"


def fence_language(filename: str) -> str:
    """Code fence language for an example file, by what kind of file it is."""
    name = PurePosixPath(filename).name.lower()
    if name.endswith((".yml", ".yaml")):
        return "yaml"
    if name.startswith("dockerfile") or name.endswith((".dockerfile", "containerfile")):
        return "dockerfile"
    if name.endswith((".conf", ".conf.template", ".nginx")) or "nginx" in name:
        return "nginx"
    if name == ".env" or name.endswith(".env") or name.startswith(".env"):
        return "sh"
    if name.endswith(".toml"):
        return "toml"
    if name.endswith(".json"):
        return "json"
    if name.endswith((".sh", ".bash")):
        return "sh"
    if name.endswith(".py"):
        return "python"
    return "text"


def _fence(text: str) -> str:
    longest = 2
    run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * (longest + 1)


def files_markdown(files: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    for name, text in files.items():
        fence = _fence(text)
        body = text if text.endswith("\n") else text + "\n"
        out += [f"`{name}`:", "", f"{fence}{fence_language(name)}", body.rstrip("\n"), fence, ""]
    return out


def is_opt_in(rule: type[Rule]) -> bool:
    return not getattr(rule, "default_enabled", True)


def _opt_in_note(rule: type[Rule]) -> list[str]:
    if not is_opt_in(rule):
        return []
    groups = [g for g in getattr(rule, "groups", ()) if g]
    via = f"`--extend-select {rule.code}`" + "".join(f" or `--extend-select {g}`" for g in groups)
    return [f"Opt-in: not run by default (`all`); enable it with {via}.", ""]


def rule_markdown(rule: type[Rule]) -> str:
    """The full Markdown page for one rule."""
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"**{rule.title.strip()}**",
        "",
        "| severity | category | fix |",
        "|---|---|---|",
        f"| {rule.severity.label} | {rule.category} | "
        f"{FIX_WORDS.get(rule.fixable, rule.fixable)} |",
        "",
        *_opt_in_note(rule),
        "## Why it matters",
        "",
        rule.why.strip(),
        "",
        "## How to fix",
        "",
        rule.how_to_fix.strip(),
        "",
    ]
    if rule.options:
        lines += [
            "## Options",
            "",
            "Set in `[rules." + rule.code + "]` of the config file.",
            "",
            "| option | default |",
            "|---|---|",
        ]
        for key, default in rule.options.items():
            lines.append(f"| `{key}` | `{default!r}` |")
        lines.append("")
    if rule.examples:
        lines += ["## Examples", ""]
        many = len(rule.examples) > 1
        for index, example in enumerate(rule.examples, 1):
            suffix = f" {index}" if many else ""
            if example.description.strip():
                lines += [f"### Example{suffix}", "", example.description.strip(), ""]
            elif many:
                lines += [f"### Example{suffix}", ""]
            lines += ["Problem:", ""]
            lines += files_markdown(example.bad)
            if example.fixed:
                lines += ["After `infradoctor lint --fix`:", ""]
                lines += files_markdown(example.fixed)
            lines += ["Without the problem:", ""]
            lines += files_markdown(example.good)
    lines += [
        "## Suppressing",
        "",
        f"Add `# infradoctor: ignore[{rule.code}]` at the end of the offending line or "
        f"alone on the line before it; `# infradoctor: ignore-file[{rule.code}]` silences the "
        f'rule for a whole file; `ignore = ["{rule.code}"]` in `.infradoctor.toml` '
        "turns it off.",
        "",
    ]
    if rule.references:
        lines += ["## References", ""]
        lines += [f"- {ref}" for ref in rule.references]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
