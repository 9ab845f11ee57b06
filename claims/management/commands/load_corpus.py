from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from claims.models import Quote
from sources.models import Article

CORPUS_FIXTURE = settings.BASE_DIR / "fixtures" / "corpus.json"


class Command(BaseCommand):
    help = "Load fixtures/corpus.json into an empty database; never overwrite curated rows."

    def handle(self, *args, **options):
        existing = Article.objects.count()
        if existing:
            self.stdout.write(
                f"The database already holds {existing} articles: corpus not reloaded, nothing overwritten."
            )
            return
        if not CORPUS_FIXTURE.exists():
            self.stdout.write("No fixtures/corpus.json yet: nothing to load.")
            return
        call_command("loaddata", str(CORPUS_FIXTURE), verbosity=options["verbosity"])
        # loaddata saves raw rows, which simple-history does not record: record each quote's
        # creation now, so its Web Annotation has a `created` time (when it entered this database).
        Quote.history.bulk_history_create(Quote.objects.all(), default_change_reason="Loaded from the corpus")
