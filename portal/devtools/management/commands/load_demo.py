"""``manage.py load_demo``: the article's committee as demo data (see ``portal.devtools.demo``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from portal.devtools.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo committee 投资公司党委 (7 branches, 77 members, partners, activities). "
        "Idempotent: running it again changes nothing. Demo logins only when DEMO_USERS is on "
        "or --with-users is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-users",
            action="store_true",
            help="Create the demo logins even when DEMO_USERS is off.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with_users = options["with_users"] or settings.DEMO_USERS
        result = demo_load(with_users=with_users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo committee loaded: {result.created} rows created, "
                f"{result.updated} rows updated."
            )
        )
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<24} {count}")
        if result.logins:
            self.stdout.write("")
            self.stdout.write(f"Demo logins (password for all: {result.password}):")
            for username, description in result.logins:
                self.stdout.write(f"  {username:<12} {description}")
