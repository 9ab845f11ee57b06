from django.core.management.base import BaseCommand

from claims.dataset import SQLITE_FILE, export_dataset


class Command(BaseCommand):
    help = (
        "Write the public tables to DIR as CSVs with a Frictionless datapackage.json, and as a SQLite "
        f"file ({SQLITE_FILE}) with full-text search and a metadata.json for Datasette."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="Where to write; created if missing.")

    def handle(self, *args, **options):
        counts = export_dataset(options["directory"])
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count:,} rows")
        directory = options["directory"]
        self.stdout.write(
            f"Wrote {directory}: datapackage.json, {len(counts)} CSVs, {SQLITE_FILE}, metadata.json. "
            f"Serve it with: datasette {directory}/{SQLITE_FILE} -m {directory}/metadata.json"
        )
