from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import corpus


class Command(BaseCommand):
    help = "Build fixtures/corpus.json from the curated annotations and the seed texts."

    def add_arguments(self, parser):
        parser.add_argument("--annotations", type=Path, default=corpus.ANNOTATIONS_DIR)
        parser.add_argument("--seeds", type=Path, default=corpus.SEEDS_DIR)
        parser.add_argument("--output", type=Path, default=corpus.CORPUS_FIXTURE)
        parser.add_argument(
            "--check", action="store_true", help="Write nothing; fail if the output file is not up to date."
        )

    def handle(self, *args, **options):
        try:
            text = corpus.build_fixture(options["annotations"], options["seeds"])
        except corpus.CorpusError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(error.problems)} problems in the annotations: nothing written."
            ) from error
        output = options["output"]
        if options["check"]:
            if not output.exists() or output.read_bytes() != text.encode("utf-8"):
                raise CommandError(f"{output} is out of date: run manage.py build_fixtures.")
            self.stdout.write(f"{output} is up to date.")
            return
        output.write_bytes(text.encode("utf-8"))
        self.stdout.write(f"Wrote {output}.")
