from django.core.management.base import BaseCommand, CommandError

from claims import corpus, corpus_review


class Command(BaseCommand):
    help = (
        "Check the loaded corpus: quotes exact, claims quoted, dates, rebuttal ends, affiliations; "
        "then warn, naming the claim, of attribution inside quote spans, dropped hedges and denials "
        "dated before what they answer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict", action="store_true", help="Exit non-zero on warnings too, not only on problems."
        )

    def handle(self, *args, **options):
        problems = corpus.corpus_problems()
        warnings = corpus_review.corpus_warnings()
        for problem in problems:
            self.stdout.write(problem)
        for warning in warnings:
            self.stdout.write(f"warning: {warning}")
        self.stdout.write(corpus.summary_line(corpus.corpus_counts(), len(problems), len(warnings)))
        if problems:
            raise CommandError(f"{len(problems)} problems in the corpus.")
        if warnings and options["strict"]:
            raise CommandError(f"{len(warnings)} warnings on the corpus (--strict).")
