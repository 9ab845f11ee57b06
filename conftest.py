"""Suite-wide set-up shared by every app's tests."""


def pytest_report_header(config):
    """Say which database the suite runs on, so CI output shows it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({database['NAME']})"
