"""The OpenAPI document and the interactive docs, served from the warehouse's own server."""

import re

import pytest
from django.contrib.staticfiles import finders

ENDPOINTS = {
    ("get", "/api/v1/items"), ("get", "/api/v1/stock"),
    ("get", "/api/v1/outbound-orders"), ("post", "/api/v1/outbound-orders"),
    ("get", "/api/v1/outbound-orders/{number}"), ("get", "/api/v1/outbound-orders/{number}/events"),
    ("post", "/api/v1/outbound-orders/{number}/cancel"),
    ("get", "/api/v1/inbound-orders"), ("post", "/api/v1/inbound-orders"),
    ("get", "/api/v1/inbound-orders/{number}"), ("get", "/api/v1/inbound-orders/{number}/events"),
    ("get", "/api/v1/complaints"), ("post", "/api/v1/complaints"), ("get", "/api/v1/complaints/{code}"),
    ("post", "/api/v1/complaints/{code}/accept"), ("post", "/api/v1/complaints/{code}/reject"),
    ("get", "/api/v1/webhooks"), ("post", "/api/v1/webhooks"), ("delete", "/api/v1/webhooks/{webhook_id}"),
    ("post", "/api/v1/webhooks/{webhook_id}/rotate-secret"),
    ("post", "/api/v1/environment-readings"),
}
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def document(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_lists_every_endpoint(document):
    listed = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert listed == ENDPOINTS


def test_every_endpoint_has_a_chinese_summary_and_description_and_needs_a_token(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert HAN.search(operation["summary"]), (method, path)
            assert HAN.search(operation["description"]), (method, path)
            assert operation["security"] == [{"TokenAuth": []}]
            assert "application/problem+json" in operation["responses"]["401"]["content"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_document_is_valid_openapi(document):
    definitions = pytest.importorskip("schemathesis.specs.openapi.definitions")
    assert document["openapi"].startswith("3.1")
    errors = [str(e) for e in definitions.OPENAPI_31_VALIDATOR.iter_errors(document)]
    assert errors == []


def test_the_document_speaks_english_when_asked(client, db):
    document = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).json()
    summaries = [op["summary"] for operations in document["paths"].values() for op in operations.values()]
    assert summaries and not any(HAN.search(s) for s in summaries), summaries


def test_the_interactive_docs_load_their_assets_locally(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset
