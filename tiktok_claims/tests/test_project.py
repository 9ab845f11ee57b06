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


@pytest.mark.django_db
def test_migrations_match_the_models():
    """makemigrations --check finds nothing to write."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_home_and_admin_login_answer(client):
    """The home page and the admin login page are served."""
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("admin:login")).status_code == 200
