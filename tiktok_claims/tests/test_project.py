import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.urls import reverse

from tiktok_claims import settings as project_settings


def run_settings(**environment):
    """Import the settings module in a fresh interpreter with exactly this environment."""
    env = {"PATH": os.environ["PATH"], **environment}
    return subprocess.run(
        [sys.executable, "-c", "import tiktok_claims.settings"],
        cwd=project_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_secret_key():
    """With DEBUG off and no SECRET_KEY, start-up stops with a message saying what to set."""
    result = run_settings(ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    """With DEBUG off and no ALLOWED_HOSTS, start-up stops with a message."""
    result = run_settings(SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_ambiguous_debug_value_is_refused():
    """DEBUG=maybe is an error, not silently off."""
    result = run_settings(DEBUG="maybe")
    assert "DEBUG='maybe'" in result.stderr


def test_production_settings_start_with_both_set():
    """SECRET_KEY and ALLOWED_HOSTS are all production needs from the environment."""
    result = run_settings(SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr


def test_a_worker_loads_the_site_then_hides_it_from_the_cycle_collector():
    """Importing the WSGI module (as each gunicorn worker does) loads the URLconf and its views, then
    freezes what is loaded: the collector's oldest generation starts empty instead of ~75,000 objects."""
    probe = (
        "import gc, sys; import tiktok_claims.wsgi; "
        "print(gc.get_freeze_count(), len(gc.get_objects(generation=2)), 'claims.views' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=project_settings.BASE_DIR,
        env={"PATH": os.environ["PATH"], "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    frozen, oldest, views_loaded = result.stdout.split()
    assert views_loaded == "True"
    assert int(frozen) > 50_000 and int(oldest) < 1_000


def run_manage(*arguments, **environment):
    """manage.py in a fresh interpreter with exactly this environment (and an in-memory database)."""
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": "sqlite://:memory:", **environment}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=project_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_manage_py_by_hand_with_nothing_set_uses_development_settings():
    """`manage.py check` in a fresh checkout works with no environment; a configured server stays strict."""
    bare = run_manage("check")
    assert bare.returncode == 0 and "no issues" in bare.stdout, bare.stderr
    configured = run_manage("check", SECRET_KEY="x" * 50)
    assert configured.returncode != 0 and "ALLOWED_HOSTS is not set" in configured.stderr


@pytest.mark.django_db
def test_migrations_match_the_models():
    """makemigrations --check finds nothing to write."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_home_and_admin_login_answer(client):
    """The home page and the admin login page are served."""
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("admin:login")).status_code == 200
