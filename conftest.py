"""Suite-wide set-up shared by every app's tests: the database report and the browser."""

import os

import pytest


def pytest_report_header(config):
    """Say which database the suite runs on, so CI output shows it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    vendor = database["ENGINE"].rsplit(".", 1)[-1]
    # The tests run on a test database Django creates beside (PostgreSQL) or in memory (SQLite).
    return f"database: {vendor} (tests use a fresh test database; configured: {database['NAME']})"


@pytest.fixture(scope="session", autouse=True)
def views_imported():
    """Every view module imported before the first test: the URLconf loads on the first request,
    and a view module importing a constant (MAX_PAGED_ROWS) while a test had lowered it kept the
    lowered value for every later test."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (loads the URLconf and the views it names)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: pages cache counts that another test's rows would skew."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def roles(django_db_blocker):
    """The curator and reviewer groups as migration 0002 makes them, also after a flushed database."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    roles = importlib.import_module("claims.migrations.0002_roles")
    with django_db_blocker.unblock():
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        for name, actions in roles.ROLES.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(roles.corpus_permissions(Permission, actions))


BROWSER_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright; a missing browser fails, it never skips."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-chromium (the browser tests need it).")
    # Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run
    # beside it, though the calls here are ordinary blocking ones.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
