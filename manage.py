#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiktok_claims.settings")
    # By hand in a checkout, with nothing configured: development settings, as `make` gives them
    # (DEBUG=${DEBUG:-1}). A server configured with a SECRET_KEY keeps DEBUG off unless it says.
    if "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ:
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
