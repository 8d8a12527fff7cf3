"""DKR006 secret-in-dockerfile: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.dockerfile.test_dockerfile_helpers import Tree, dockerfile, findings


def test_dkr006_final_chain_and_builder_stages(tree: Tree) -> None:
    text = (
        "FROM node:20 AS build\n"
        "ARG NPM_TOKEN\n"
        'RUN echo "//r/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci\n'  # builder: discarded
        "FROM node:20-slim\n"
        "ARG SENTRY_AUTH_TOKEN\n"
        'RUN sentry-cli releases new "$SENTRY_AUTH_TOKEN"\n'
        "ENV API_KEY=$API_KEY\n"
        "ENV JWT_SECRET=hunter2-literal NODE_ENV=production\n"
        "ARG UNUSED_TOKEN\n"
        "ENV PASSWORD_FILE=/run/secrets/pw\n"
    )
    hits = findings(tree, dockerfile(text), "DKR006")
    assert sorted((f.location.line, f.data["variable"]) for f in hits) == [
        (5, "SENTRY_AUTH_TOKEN"),
        (7, "API_KEY"),
        (8, "JWT_SECRET"),
    ]
    assert all("hunter2" not in f.message for f in hits)
