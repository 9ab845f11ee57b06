from django.core.management.base import BaseCommand, CommandError

from claims import corpus


class Command(BaseCommand):
    help = "Check the loaded corpus: quotes exact, claims quoted, dates, rebuttal ends, affiliations."

    def handle(self, *args, **options):
        problems = corpus.corpus_problems()
        for problem in problems:
            self.stdout.write(problem)
        self.stdout.write(corpus.summary_line(corpus.corpus_counts(), len(problems)))
        if problems:
            raise CommandError(f"{len(problems)} problems in the corpus.")
