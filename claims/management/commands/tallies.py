from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from claims import related_lists, tallies


class Command(BaseCommand):
    help = (
        "Count the summary tables (claims per speaker and month, per side, rebuttal links) and write "
        "each claim's kept lists (topics, articles, rebuttals) again from the claims; with --check, "
        "only compare them with a recount."
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
            claims = related_lists.differences(connection)
            if claims:
                self.stdout.write(
                    f"{related_lists.TABLE}: {len(claims)} claims' lists differ, e.g. {claims[:5]}"
                )
            if wrong or claims:
                raise CommandError("The summary tables differ from a recount: run `manage.py tallies`.")
            self.stdout.write("The summary tables match a recount.")
            return
        tallies.rebuild(connection)
        related_lists.rebuild(connection)
        self.stdout.write("The summary tables were counted again.")
