"""``manage.py benchmark``: the portal under gunicorn, measured over HTTP
(``portal.devtools.benchmark``)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from portal.devtools.benchmark import BenchmarkOptions, run_benchmark


class Command(BaseCommand):
    help = (
        "Serve the portal with gunicorn (DEBUG off) against DATABASE_URL, log in as committee "
        "staff and as the superuser of a generate_group database, and measure each page and "
        "htmx fragment with concurrent clients: p50, p95, throughput, SQL queries per request."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=200, help="Timed requests per page.")
        parser.add_argument("--clients", type=int, default=8, help="Concurrent clients.")
        parser.add_argument("--warmup", type=int, default=3, help="Untimed requests first.")
        parser.add_argument(
            "--alone", type=int, default=10, help="Requests from one client (no queue)."
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument(
            "--with-cache",
            action="store_true",
            help="Keep the configured cache (reported numbers are without it by default).",
        )
        parser.add_argument("--json", type=Path, help="Write the results as JSON here.")
        parser.add_argument("--markdown", type=Path, help="Write the Markdown table here.")
        parser.add_argument(
            "--database-url",
            default=os.environ.get("DATABASE_URL", ""),
            help="The database gunicorn serves (default: DATABASE_URL).",
        )

    def handle(self, *args, **options) -> None:
        database_url = options["database_url"]
        if not database_url:
            raise CommandError(
                "Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/portal_bench): "
                "the benchmark serves a PostgreSQL database filled by generate_group."
            )
        if connection.vendor != "postgresql":
            self.stderr.write("Note: not PostgreSQL; the numbers say little about production.")
        report = run_benchmark(
            BenchmarkOptions(
                database_url=database_url,
                requests=options["requests"],
                clients=options["clients"],
                warmup=options["warmup"],
                alone=options["alone"],
                workers=options["workers"],
                cache=options["with_cache"],
            ),
            log=self.stdout.write,
        )
        table = report.to_markdown()
        self.stdout.write("\n" + table + "\n")
        if options["json"]:
            options["json"].write_text(report.to_json() + "\n")
        if options["markdown"]:
            options["markdown"].write_text(table + "\n")
        failed = [r for r in report.results if r.errors]
        if failed:
            raise CommandError(
                "Some requests did not answer as expected:\n"
                + "\n".join(
                    f"  {r.name} ({r.role}) {r.method} {r.path}: {r.errors} × {r.first_error}"
                    for r in failed
                )
            )
