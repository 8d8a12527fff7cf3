"""SEC007 secret-literal-in-compose: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.security.test_security_helpers import SECRET, Tree, compose, findings


def test_sec007_literal_values_are_flagged_and_redacted(tree: Tree) -> None:
    files = compose(
        "  db:\n    image: postgres:16\n    environment:\n"
        f"      POSTGRES_PASSWORD: {SECRET}\n"
        "      POSTGRES_USER: app\n"
        "  api:\n    image: acme/api:1\n    environment:\n"
        f"      - DATABASE_URL=postgres://app:{SECRET}@db/app\n"
        "      - ADMIN_PASSWORD=admin123\n"
    )
    hits = findings(tree, files, "SEC007")
    assert sorted(f.data["variable"] for f in hits) == [
        "ADMIN_PASSWORD",
        "DATABASE_URL",
        "POSTGRES_PASSWORD",
    ]
    for f in hits:
        assert SECRET not in f.message and SECRET not in repr(f.data)
        assert "admin123" not in f.message


def test_sec007_references_placeholders_and_files_are_fine(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n  db:\n    image: postgres:16\n    environment:\n"
            "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}\n"
            "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n"
            '      API_TOKEN: "<your-token>"\n'
            '      SECRET_KEY: ""\n'
            '      TOKEN_TTL: "3600"\n'
            "      DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app\n"
        ),
        ".env": "POSTGRES_PASSWORD=from-dotenv-not-committed\nDB_PASSWORD=x1\n",
    }
    assert findings(tree, files, "SEC007") == []


def test_sec007_env_file_reported_once_and_example_files_skipped(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n"
            "  api:\n    image: acme/api:1\n    env_file: [.env.prod]\n"
            "  worker:\n    image: acme/api:1\n    env_file: [.env.prod]\n"
            "  demo:\n    image: acme/api:1\n    env_file: [.env.example]\n"
        ),
        ".env.prod": f"# production\nSTRIPE_API_KEY={SECRET}\nDEBUG=0\n",
        ".env.example": "STRIPE_API_KEY=sk_test_replace_me\n",
    }
    hits = findings(tree, files, "SEC007")
    assert len(hits) == 1
    assert (hits[0].location.file, hits[0].location.line) == (".env.prod", 2)
    assert SECRET not in hits[0].message
