from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from claims import tallies


class Command(BaseCommand):
    help = (
        "Count the summary tables (claims per speaker and month, per side, rebuttal links) again from "
        "the claims and rebuttals; with --check, only compare them with a recount."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Compare with a recount and exit non-zero on a difference."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if options["check"]:
            wrong = tallies.differences(connection)
            for table, count in wrong.items():
                self.stdout.write(f"{table}: {count} counts differ from a recount")
            if wrong:
                raise CommandError("The summary tables differ from a recount: run `manage.py tallies`.")
            self.stdout.write("The summary tables match a recount.")
            return
        tallies.rebuild(connection)
        self.stdout.write("The summary tables were counted again.")
