from django.core.management import call_command
from django.core.management.base import BaseCommand

# Every curated model, in an order loaddata can follow (natural keys point backwards).
CORPUS_MODELS = [
    "sources.Outlet",
    "sources.Article",
    "claims.Topic",
    "claims.Speaker",
    "claims.Claim",
    "claims.Quote",
    "claims.Rebuttal",
]


class Command(BaseCommand):
    help = "Write every outlet, article, speaker, topic, claim, quote and rebuttal as a loaddata fixture."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="The file to write (JSON); standard output if omitted.")

    def handle(self, *args, **options):
        # Primary keys are kept, so /claims/<id>/ links stay valid after a restore; foreign keys
        # use natural keys (slugs, claim keys) so the file reads well and diffs cleanly.
        call_command(
            "dumpdata",
            *CORPUS_MODELS,
            format="json",
            indent=2,
            use_natural_foreign_keys=True,
            output=options["output"],
            stdout=self.stdout,
        )
