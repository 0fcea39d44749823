"""``python -m veerkracht.web COMMAND``: Django's manage.py for this project."""

from __future__ import annotations

import os
import sys

from veerkracht.web import DEFAULT_SETTINGS


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command (``migrate``, ``check --deploy``, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(
        ["veerkracht.web", *(sys.argv[1:] if argv is None else argv)]
    )


if __name__ == "__main__":
    main()
