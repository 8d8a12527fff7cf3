"""PRF006 debug-settings-in-prod: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.profiles.test_profiles import _lint


def test_interpolated_debug_value_is_left_to_the_env_file(tree) -> None:
    root = tree(
        {
            "compose.yaml": (
                "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n    environment:\n"
                "      LOG_LEVEL: ${LOG_LEVEL:-WARN}\n      DEBUG: ${DEBUG}\n"
                "  tools:\n    image: ghcr.io/acme/tools:1.0\n    profiles: [prod]\n"
            ),
            ".env": "LOG_LEVEL=DEBUG\nDEBUG=true\n",
        }
    )
    assert _lint(root, ["PRF006"]) == []
