"""CMP007 host-port-published-twice: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.compose.test_compose_helpers import Tree, compose, findings


def test_cmp007_conflicts_and_non_conflicts(tree: Tree) -> None:
    files = compose(
        '  a:\n    image: acme/a:1\n    ports:\n      - "8080:80"\n      - "53:53/udp"\n'
        '      - "10.0.0.1:9000:9000"\n      - "3000-3005:3000-3005"\n'
        '  b:\n    image: acme/b:1\n    ports:\n      - "53:53/tcp"\n'
        '      - "10.0.0.2:9000:9000"\n      - "3003:3000"\n'
        '  dev:\n    image: acme/a:1\n    profiles: [dev]\n    ports:\n      - "8080:80"\n'
        '  prod:\n    image: acme/a:1\n    profiles: [prod]\n    ports:\n      - "8081:80"\n'
    )
    hits = findings(tree, files, "CMP007")
    assert sorted((f.data["service"], f.data["port"]) for f in hits) == [("b", 3003), ("dev", 8080)]


def test_cmp007_disjoint_profiles_do_not_conflict(tree: Tree) -> None:
    files = compose(
        '  dev:\n    image: acme/a:1\n    profiles: [dev]\n    ports: ["80:80"]\n'
        '  prod:\n    image: acme/a:1\n    profiles: [prod]\n    ports: ["80:80"]\n'
    )
    assert findings(tree, files, "CMP007") == []


def test_cmp007_included_catalogue_components_are_alternatives(tree: Tree) -> None:
    files = {
        "docker-compose.yml": "include:\n  - nginx/compose.yml\n  - apache2/compose.yml\n"
        'services:\n  php:\n    image: php:8.3-fpm\n    ports: ["9000:9000"]\n',
        "nginx/compose.yml": 'services:\n  nginx:\n    image: nginx:1.27\n    ports: ["80:80"]\n',
        "apache2/compose.yml": "services:\n  apache2:\n    image: httpd:2.4\n"
        '    ports: ["80:80", "9000:9000"]\n',
    }
    hits = findings(tree, files, "CMP007")
    assert [({f.data["service"], f.data["other_service"]}, f.data["port"]) for f in hits] == [
        ({"php", "apache2"}, 9000)
    ]
