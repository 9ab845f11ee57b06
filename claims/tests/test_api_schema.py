import json

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims.tests.factories import QuoteFactory, RebuttalFactory, TopicFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def app_schema(*methods):
    """The app's own OpenAPI schema, as /api/schema/ serves it, called in-process over WSGI."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    document = json.loads(OpenApiJsonRenderer().render(generated))
    schema = schemathesis.openapi.from_dict(document)
    schema.app = WSGIHandler()
    # The schema and docs views have tests of their own below; fuzzing them adds only time.
    return schema.include(method=list(methods)).exclude(path_regex=r"^/api/(schema|docs|redoc)/")


schema = app_schema("GET")
schema_writes = app_schema("POST", "PUT", "PATCH", "DELETE")
# Writes run the example and fuzzing phases only, which keeps the run within a minute.
schema_writes.config.phases.coverage.enabled = False


@pytest.fixture
def rows(db):
    """A few rows to find; the test's transaction kept open across requests, as the test client does."""
    RebuttalFactory()
    QuoteFactory()
    TopicFactory()
    # Django closes a connection at the end of a request when it is inside a transaction, which
    # the test's transaction always is; its test client disconnects these signals the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("rows")
@schema.parametrize()
@settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_get_operation_answers_within_its_schema(case):
    """Generated GET requests never get a 5xx, and every answer matches the published schema."""
    case.call_and_validate(checks=CHECKS)


def test_schema_is_openapi_3_and_describes_every_parameter(client):
    """The schema is OpenAPI 3 and every parameter and response carries a description."""
    document = json.loads(client.get("/api/schema/", {"format": "json"}).content)

    assert document["openapi"].startswith("3.")
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), f"{method} {path} {parameter['name']}"
            for status, response in operation["responses"].items():
                assert response.get("description"), f"{method} {path} {status}"


def test_docs_are_served_from_the_project_without_inline_script(client):
    """/api/docs/ loads Swagger UI from our static files and its set-up script as a separate request."""
    response = client.get("/api/docs/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert "<script>" not in page.replace(" ", "")
    assert "<style" not in page
    assert "/static/css/api-docs.css" in page
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.fixture
def superuser_token(rows):
    """A token for a user allowed every write."""
    user = User.objects.create(username="editor", is_staff=True, is_superuser=True)
    return Token.objects.create(user=user).key


@pytest.mark.django_db
@schema_writes.parametrize()
@settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_write_operation_answers_within_its_schema(case, superuser_token):
    """Generated writes by a user with every permission never get a 5xx and match the schema."""
    case.call_and_validate(headers={"Authorization": f"Token {superuser_token}"}, checks=CHECKS)


@pytest.mark.browser
def test_docs_work_in_a_browser_under_the_content_security_policy(live_server, browser):
    """Swagger UI at /api/docs/ lists the claims operations, with no CSP violation or failed asset."""
    page = browser.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))

    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_text("/api/claims/{id}/jsonld/").first.wait_for(timeout=15000)
    page.close()

    assert problems == []
