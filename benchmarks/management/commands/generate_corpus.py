from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from benchmarks.synthetic_corpus import Generator, plan
from claims.models import Claim
from tiktok_claims import readcache

# The curated corpus lives in the default SQLite file when DATABASE_URL is unset.
CURATED_SQLITE_PATH = settings.BASE_DIR / "db.sqlite3"


def refusal(connection):
    """Why generated rows must not go into this database, or None when they may."""
    if str(connection.settings_dict["NAME"]) == str(CURATED_SQLITE_PATH):
        return (
            f"{CURATED_SQLITE_PATH} is the curated database. Point DATABASE_URL at another one, "
            "e.g. DATABASE_URL=sqlite:///bench.sqlite3 or postgres://postgres@127.0.0.1:5432/claims_bench."
        )
    claims = Claim.objects.using(connection.alias).count()
    if claims:
        return (
            f"The database already holds {claims:,} claims. Generated rows only go into an empty, "
            "migrated database, so they never mix with curated ones (or with an earlier run)."
        )
    return None


class Command(BaseCommand):
    help = "Fill an empty, separate database with a synthetic corpus of N claims (benchmarks only)."

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, default=10_000, help="How many claims (default 10,000).")
        parser.add_argument(
            "--seed", type=int, default=2020, help="Random seed: the same seed, the same corpus."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, **options):
        if options["claims"] < 1:
            raise CommandError("--claims must be at least 1.")
        connection = connections[options["database"]]
        reason = refusal(connection)
        if reason:
            raise CommandError(reason)
        sizes = plan(options["claims"])
        self.stdout.write(
            f"Generating {sizes['claims']:,} claims, {sizes['speakers']:,} speakers, {sizes['articles']:,} "
            f"articles and {sizes['outlets']} outlets into {connection.vendor} "
            f"{connection.settings_dict['NAME']}"
        )
        written = Generator(connection, options["claims"], options["seed"], self.stdout.write).run()
        # Written in bulk and by raw SQL, which no signal sees: the read cache needs telling.
        readcache.corpus_changed(connection.alias)
        self.stdout.write(self.style.SUCCESS(f"Done: {written:,} claims."))
