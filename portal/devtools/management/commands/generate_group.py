"""``manage.py generate_group``: a synthetic group of committees for load tests."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.devtools.synthetic import SCALES, SyntheticDataRefused, generate_group


class Command(BaseCommand):
    help = (
        "Generate a synthetic group (default: 100 committees, 1,000 branches, 20,000 members, "
        "5,000 partners, 200,000 activities over three years) with benchmark logins. Refuses a "
        "database that holds other data unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="group")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same rows.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add the group to a database that already holds other (non-synthetic) data.",
        )

    def handle(self, *args, scale: str, seed: int, force: bool, **options) -> None:
        self.stdout.write(f"Generating the {scale!r} group (seed {seed}) …")
        try:
            result = generate_group(
                scale=SCALES[scale],
                seed=seed,
                force=force,
                log=lambda message: self.stdout.write(f"  {message}"),
            )
        except SyntheticDataRefused as exc:
            raise CommandError(str(exc)) from exc
        for name, count in result.counts.items():
            self.stdout.write(f"  {name}: {count:,}")
        self.stdout.write(
            self.style.SUCCESS(f"Done in {result.seconds:.0f} s.")
            + f"\nLogins (password {result.password!r}): {result.root_username} (superuser), "
            f"{result.staff_usernames[0]} … {result.staff_usernames[-1]} (committee staff), "
            "bench_secretary_<committee>_<branch> (branch secretaries)."
        )
