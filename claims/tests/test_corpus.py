import datetime
import hashlib
import shutil
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from claims import corpus
from claims.jsonld import claim_jsonld
from claims.models import Claim, Quote, Rebuttal, Speaker
from claims.tests.factories import QuoteFactory, RebuttalFactory
from sources.models import Article
from sources.tests.factories import ArticleFactory

# The seed articles as shared with the project; the corpus's offsets point into exactly these bytes.
SEED_SHA256 = {
    "000_f5d3199dcc453ab2.txt": "7400f8f693e5cf4c3862379a5c0c44a9e87a9103828e5f5e9ce8b42ecddbdc76",
    "001_bf8058fba74e5944.txt": "7bdd8920f30edc59cddb8d25cc8299b258284b965a87427b098cb47a1da878ee",
    "002_298b75dd9c814326.txt": "008e24420d6194823956a72ba5dc95bba18f0b5eb4c03e6dfd984bc4263aebcb",
    "003_ef2e2fe99c17a0a0.txt": "8d00c9241558662cbd11dc439cd596750a437dd524e7ad725d9d8af6e8a6c830",
    "004_9d1c308aae65f830.txt": "a383510039ea5537cbbb38942eccfb2f7b947b66ea6d0d2be146c585b5de87e0",
}


@pytest.fixture
def annotations_copy(tmp_path):
    """A scratch copy of the committed annotations, to break on purpose."""
    copy = tmp_path / "annotations"
    shutil.copytree(corpus.ANNOTATIONS_DIR, copy)
    return copy


@pytest.fixture
def loaded_corpus(db):
    """The committed fixture loaded into the test database."""
    call_command("loaddata", str(corpus.CORPUS_FIXTURE), verbosity=0)


def edit_claims(annotations_dir, change):
    """Load the copy's claims.yaml, let change() alter the entries, write it back."""
    path = annotations_dir / "claims.yaml"
    claims = yaml.safe_load(path.read_text(encoding="utf-8"))
    change({claim["key"]: claim for claim in claims})
    path.write_text(yaml.safe_dump(claims, allow_unicode=True, sort_keys=False), encoding="utf-8")


def expected_summary(problems=0):
    """The checker's summary line for the committed annotations."""
    annotations = corpus.read_annotations()
    quotes = sum(len(claim["quotes"]) for claim in annotations["claims"])
    return (
        f"{len(annotations['articles'])} articles, {len(annotations['speakers'])} speakers, "
        f"{len(annotations['claims'])} claims, {quotes} quotes, {len(annotations['rebuttals'])} rebuttals: "
        f"{problems} {'problem' if problems == 1 else 'problems'}"
    )


def run_check_corpus(*arguments):
    """Run check_corpus; return its output and the CommandError it raised, if any."""
    output = StringIO()
    try:
        call_command("check_corpus", *arguments, stdout=output)
    except CommandError as error:
        return output.getvalue(), error
    return output.getvalue(), None


def test_seed_texts_are_the_shared_originals():
    """The five seed files are byte-identical to the shared originals (pinned by SHA-256)."""
    found = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in corpus.SEEDS_DIR.glob("*.txt")
    }
    assert found == SEED_SHA256


def test_rebuilding_gives_the_committed_fixture_byte_for_byte():
    """Building from the committed annotations and seeds reproduces fixtures/corpus.json exactly."""
    assert corpus.build_fixture().encode("utf-8") == corpus.CORPUS_FIXTURE.read_bytes()


def test_build_command_writes_the_same_bytes_twice(tmp_path):
    """Two runs of build_fixtures write identical files, and --check accepts the result."""
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    call_command("build_fixtures", output=first, stdout=StringIO())
    call_command("build_fixtures", output=second, stdout=StringIO())
    assert first.read_bytes() == second.read_bytes()
    call_command("build_fixtures", output=first, check=True, stdout=StringIO())


def test_fixture_stores_article_text_verbatim_with_its_hash():
    """Each article row holds its seed text unchanged and that text's SHA-256."""
    rows = corpus.build_rows()
    articles = [row["fields"] for row in rows if row["model"] == "sources.article"]
    assert len(articles) == 5
    for article in articles:
        seed = (corpus.SEEDS_DIR / article["seed_file"]).read_bytes()
        assert article["text"].encode("utf-8") == seed
        assert article["text_sha256"] == hashlib.sha256(seed).hexdigest()


def test_one_changed_character_in_a_quote_fails_naming_the_claim(annotations_copy):
    """Changing one character of a committed quote makes the build fail with a message naming its claim."""
    path = annotations_copy / "claims.yaml"
    original = "text: This is about data sets that were clearly available"
    content = path.read_text(encoding="utf-8")
    assert content.count(original) == 1
    path.write_text(content.replace(original, original.replace("clearly", "clearlY")), encoding="utf-8")

    with pytest.raises(corpus.CorpusError) as error:
        corpus.build_fixture(annotations_copy)

    [problem] = error.value.problems
    assert problem.startswith(
        "claim pompeo-prague-enormous-data-sets: quote in newsweek-2020-08-13-pompeo-enormous-data-sets: "
        "The quote is not in the article's text."
    )
    assert "clearlY" in problem


def test_build_command_refuses_a_broken_quote_and_writes_nothing(annotations_copy, tmp_path):
    """build_fixtures exits with an error naming the claim and leaves the output file alone."""
    edit_claims(
        annotations_copy,
        lambda claims: claims["chew-limited-public-data"]["quotes"][0].update(
            text="this is limited informations"
        ),
    )
    output = tmp_path / "corpus.json"
    errors = StringIO()

    with pytest.raises(CommandError, match="1 problems in the annotations"):
        call_command("build_fixtures", annotations=annotations_copy, output=output, stderr=errors)

    assert "claim chew-limited-public-data" in errors.getvalue()
    assert not output.exists()


def test_ambiguous_quote_without_occurrence_fails(annotations_copy):
    """A quote found twice in its article is refused without an occurrence hint, naming the claim."""
    edit_claims(
        annotations_copy,
        lambda claims: claims["published-reporter-46-million-installs"]["quotes"][0].pop("occurrence"),
    )

    with pytest.raises(corpus.CorpusError) as error:
        corpus.build_fixture(annotations_copy)

    [problem] = error.value.problems
    assert problem.startswith("claim published-reporter-46-million-installs: ")
    assert "occurs 2 times" in problem


def test_occurrence_hint_picks_the_later_repeat():
    """The 46-million quote, hinted as occurrence 2, is anchored in the body, not the photo caption."""
    rows = corpus.build_rows()
    quote = next(
        row["fields"]
        for row in rows
        if row["model"] == "claims.quote"
        and row["fields"]["claim"] == ["published-reporter-46-million-installs"]
    )
    text = (corpus.SEEDS_DIR / "002_298b75dd9c814326.txt").read_text(encoding="utf-8")
    assert quote["start"] == text.rindex(quote["text"]) != text.index(quote["text"])


def test_references_to_missing_rows_are_refused_each_named(annotations_copy):
    """An unknown speaker, topic or rebuttal end is refused, and every problem is listed at once."""
    edit_claims(
        annotations_copy,
        lambda claims: claims["mnuchin-100-million-americans"].update(speaker="nobody", topics=["no-topic"]),
    )
    rebuttals_path = annotations_copy / "rebuttals.yaml"
    rebuttals = yaml.safe_load(rebuttals_path.read_text(encoding="utf-8"))
    rebuttals[0]["rebutted"] = "no-such-claim"
    rebuttals_path.write_text(yaml.safe_dump(rebuttals, allow_unicode=True), encoding="utf-8")

    with pytest.raises(corpus.CorpusError) as error:
        corpus.build_fixture(annotations_copy)

    problems = "\n".join(error.value.problems)
    assert "claim mnuchin-100-million-americans: speaker 'nobody' is not in speakers.yaml." in problems
    assert "claim mnuchin-100-million-americans: topics ['no-topic'] are not in topics.yaml." in problems
    assert "claim 'no-such-claim' is not in claims.yaml." in problems


def test_month_precision_date_must_start_its_period(annotations_copy):
    """A month-precision said_on that is not the first of its month is refused, naming the claim."""
    edit_claims(
        annotations_copy,
        lambda claims: claims["penetrum-chinese-ip-addresses"].update(said_on=datetime.date(2020, 7, 15)),
    )

    with pytest.raises(corpus.CorpusError, match="claim penetrum-chinese-ip-addresses: .*use 2020-07-01"):
        corpus.build_fixture(annotations_copy)


def test_claim_ids_are_curated_and_unique(annotations_copy):
    """A claim's id is its public URL: a duplicate or missing id is refused, naming the claim."""

    def break_ids(claims):
        claims["penetrum-chinese-ip-addresses"]["id"] = claims["pompeo-prague-enormous-data-sets"]["id"]
        del claims["pompeo-prague-national-security-issue"]["id"]

    edit_claims(annotations_copy, break_ids)

    with pytest.raises(corpus.CorpusError) as error:
        corpus.build_fixture(annotations_copy)
    assert "id is used twice" in str(error.value)
    assert "claim pompeo-prague-national-security-issue: id must be a positive whole number" in str(
        error.value
    )


def test_removing_a_claim_keeps_the_other_claims_urls(annotations_copy):
    """Deleting one claim from the annotations leaves every other claim's id unchanged."""
    before = {
        row["fields"]["key"]: row["pk"]
        for row in corpus.build_rows(corpus.ANNOTATIONS_DIR, corpus.SEEDS_DIR)
        if row["model"] == "claims.claim"
    }
    path = annotations_copy / "claims.yaml"
    claims = yaml.safe_load(path.read_text(encoding="utf-8"))
    removed = claims.pop(0)["key"]
    path.write_text(yaml.safe_dump(claims, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (annotations_copy / "rebuttals.yaml").write_text(
        yaml.safe_dump(
            [
                rebuttal
                for rebuttal in yaml.safe_load(
                    (annotations_copy / "rebuttals.yaml").read_text(encoding="utf-8")
                )
                if removed not in (rebuttal["rebutting"], rebuttal["rebutted"])
            ],
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )

    after = {
        row["fields"]["key"]: row["pk"]
        for row in corpus.build_rows(annotations_copy, corpus.SEEDS_DIR)
        if row["model"] == "claims.claim"
    }
    del before[removed]
    assert after == before


def test_loaded_corpus_passes_check_corpus(loaded_corpus):
    """The committed fixture loads, every quote verifies exact, and check_corpus prints 0 problems."""
    output, error = run_check_corpus()

    assert error is None
    assert output.strip() == expected_summary()
    assert {quote.verify() for quote in Quote.objects.select_related("article")} == {"exact"}


def test_load_corpus_fills_an_empty_database(db):
    """load_corpus (run by make run) loads the committed corpus into an empty database."""
    call_command("load_corpus", stdout=StringIO())

    assert Article.objects.count() == 5
    assert Claim.objects.count() == len(corpus.read_annotations()["claims"])
    pompeo = Speaker.objects.get(slug="mike-pompeo")
    assert pompeo.affiliation.slug == "us-department-of-state"
    assert Rebuttal.objects.filter(rebutted_claim__key="pompeo-prague-enormous-data-sets").count() >= 3


def test_moved_offsets_are_reported_and_exit_non_zero(loaded_corpus):
    """A quote whose offsets were shifted is listed as moved, with its claim, and the check fails."""
    quote = Quote.objects.get(claim__key="pompeo-prague-enormous-data-sets")
    Quote.objects.filter(pk=quote.pk).update(start=F("start") + 1, end=F("end") + 1)

    output, error = run_check_corpus()

    assert error is not None and error.returncode == 1
    lines = output.strip().splitlines()
    assert lines[0].startswith(f"quote {quote.pk} of claim pompeo-prague-enormous-data-sets in article ")
    assert "moved" in lines[0]
    assert lines[-1] == expected_summary(problems=1)


def test_claim_without_quote_is_reported(loaded_corpus):
    """A claim whose quotes are gone is listed by key."""
    Quote.objects.filter(claim__key="microsoft-exploring-purchase").delete()

    output, error = run_check_corpus()

    assert error is not None
    assert "claim microsoft-exploring-purchase: has no quote." in output


def test_said_on_after_publication_is_reported(loaded_corpus):
    """A claim dated after an article that reports it is listed, naming the claim and the article."""
    Claim.objects.filter(key="mnuchin-100-million-americans").update(said_on=datetime.date(2020, 8, 20))

    output, error = run_check_corpus()

    assert error is not None
    assert (
        "claim mnuchin-100-million-americans: said on 2020-08-20, after article "
        "bestpractice-2020-08-02-tiktok-feeding-data-to-chinese reporting it was published (2020-08-02)."
    ) in output


def test_tampered_article_text_is_reported(loaded_corpus):
    """Editing an article's text behind the hash is listed, and its quotes no longer verify."""
    article = Article.objects.get(slug="guardian-2022-07-01-tiktok-on-defense-after-report")
    Article.objects.filter(pk=article.pk).update(text="X" + article.text)

    output, error = run_check_corpus()

    assert error is not None
    assert (
        "article guardian-2022-07-01-tiktok-on-defense-after-report: text does not match its SHA-256."
        in output
    )
    assert "of claim carr-not-just-another-video-app in article" in output


def test_every_denial_answers_another_claim():
    """Each curated denial is linked as rebutting at least one claim: every denial answers an allegation."""
    annotations = corpus.read_annotations()
    rebutting = {rebuttal["rebutting"] for rebuttal in annotations["rebuttals"]}
    denials = {claim["key"] for claim in annotations["claims"] if claim["claim_type"] == "denial"}
    assert denials
    assert sorted(denials - rebutting) == []


def test_each_article_quotes_a_claim_at_most_once():
    """A claim has at most one quote per article: a statement said twice in one article is quoted once."""
    annotations = corpus.read_annotations()
    repeated = [
        claim["key"]
        for claim in annotations["claims"]
        if len({quote["article"] for quote in claim["quotes"]}) != len(claim["quotes"])
    ]
    assert repeated == []


# The fact-checking desk's warnings (claims/corpus_review.py), each on a broken row


def test_committed_corpus_has_no_warnings(loaded_corpus):
    """check_corpus --strict passes on the committed corpus: no attribution in spans, no dropped hedge."""
    output, error = run_check_corpus("--strict")

    assert error is None
    assert "warning:" not in output


def test_quote_starting_with_attribution_is_warned_naming_the_claim(db):
    """A span starting with the article's attribution ("Officials said ...") is a warning naming the claim."""
    quote = QuoteFactory(
        text="Officials said the app could be used to collect data",
        claim__key="officials-app-collects-data",
        claim__summary="The app could be used to collect data.",
    )

    output, error = run_check_corpus()

    assert error is None  # a warning, not a problem
    assert (
        f"warning: claim officials-app-collects-data (/claims/{quote.claim_id}/): the quote in "
        f"{quote.article.slug} holds attribution words (“said”)"
    ) in output
    assert output.strip().splitlines()[-1].endswith("0 problems, 1 warning")
    assert run_check_corpus("--strict")[1] is not None  # --strict fails on warnings too


def test_quote_ending_with_attribution_is_warned(db):
    """A span that ends with "a spokesperson said" is a warning naming the claim."""
    QuoteFactory(
        text='government," a spokesperson said',
        claim__key="spokesperson-never-provided",
        claim__summary="The company never gave data to the government.",
    )

    output, _ = run_check_corpus()

    assert "claim spokesperson-never-provided " in output
    assert "holds attribution words (“said”)" in output


def test_issuing_a_statement_inside_a_span_is_warned(db):
    """ "issuing a statement" anywhere in a span is attribution, as in the old Published Reporter quote."""
    article = ArticleFactory(
        text="TikTok stands adamant that U.S. data is safe with the company issuing a statement that "
        "U.S. data never goes to China."
    )
    QuoteFactory(
        article=article,
        text="U.S. data is safe with the company issuing a statement that U.S. data never goes to China",
        claim__key="never-goes-to-china",
        claim__summary="US user data never goes to China.",
    )

    output, _ = run_check_corpus()

    assert "claim never-goes-to-china " in output
    assert "holds attribution words (“issuing a statement”)" in output


def test_summary_dropping_the_quotes_hedge_is_warned(db):
    """A quote saying "could" under a summary that states it as fact is a warning naming the claim."""
    quote = QuoteFactory(
        claim__key="app-collects-data", claim__summary="The app is used to collect data."
    )  # the factory quote: "the app could be used to collect data"

    output, _ = run_check_corpus()

    assert (
        f"warning: claim app-collects-data (/claims/{quote.claim_id}/): the quote in {quote.article.slug} "
        "says “could” but the summary does not; keep the source's hedge."
    ) in output


def test_summary_keeping_the_hedge_and_the_month_may_are_not_warned(db):
    """A summary that keeps "could" is not warned, and "May" the month is not taken for a hedge."""
    article = ArticleFactory(text="In May the app could be used to collect data, officials said.")
    QuoteFactory(
        article=article,
        text="In May the app could be used to collect data",
        claim__summary="The app could be used to collect data.",
    )

    output, error = run_check_corpus("--strict")

    assert error is None
    assert "warning:" not in output


def test_denial_dated_before_the_claim_it_answers_is_warned(db):
    """A denies link whose rebutting claim was said before the claim it answers is a warning naming both."""
    rebuttal = RebuttalFactory(
        rebutting_claim__key="tiktok-july-denial",
        rebutting_claim__said_on=datetime.date(2020, 7, 6),
        rebutted_claim__key="pompeo-august-allegation",
        rebutted_claim__said_on=datetime.date(2020, 8, 12),
    )

    output, _ = run_check_corpus()

    assert (
        f"warning: claim tiktok-july-denial (/claims/{rebuttal.rebutting_claim_id}/): said 2020-07-06, "
        f"it is linked as denying claim pompeo-august-allegation (/claims/{rebuttal.rebutted_claim_id}/), "
        "said later (2020-08-12); a statement cannot answer a later one: use contradicts."
    ) in output


def test_undated_denial_or_contradicts_across_time_is_not_warned(db):
    """A denial known only to the year of the claim, or a contradicts link made earlier, is not warned."""
    # The factory claims have no quotes (a problem of its own): only the warnings matter here.
    RebuttalFactory(
        rebutting_claim__said_on=datetime.date(2020, 1, 1),
        rebutting_claim__said_on_precision="year",
        rebutted_claim__said_on=datetime.date(2020, 8, 12),
    )
    RebuttalFactory(
        relation="contradicts",
        rebutting_claim__said_on=datetime.date(2020, 7, 6),
        rebutted_claim__said_on=datetime.date(2020, 8, 12),
    )
    # Denying a claim known only as "by 13 August 2020": it may have been said before 6 July.
    RebuttalFactory(
        rebutting_claim__said_on=datetime.date(2020, 7, 6),
        rebutted_claim__said_on=datetime.date(2020, 8, 13),
        rebutted_claim__said_on_precision="range",
    )

    output, _ = run_check_corpus()

    assert "warning:" not in output


def test_denial_before_the_first_day_of_a_range_is_warned(db):
    """A range that starts on 1 August cannot be answered on 6 July: the warning gives its EDTF date."""
    RebuttalFactory(
        rebutting_claim__said_on=datetime.date(2020, 7, 6),
        rebutted_claim__said_on=datetime.date(2020, 8, 13),
        rebutted_claim__said_on_precision="range",
        rebutted_claim__said_earliest=datetime.date(2020, 8, 1),
    )

    output, _ = run_check_corpus()

    assert "said later (2020-08-01/2020-08-13)" in output


# The original addresses (articles.yaml `url`) reach the pages and the JSON-LD


NEWSWEEK_URL = "https://www.newsweek.com/tiktok-user-data-chinese-state-mike-pompeo-speech-1524817"


def test_corpus_claim_jsonld_first_appearance_links_the_original_story(loaded_corpus):
    """Pompeo's Prague claim, in JSON-LD, appears first in Newsweek, linked at newsweek.com."""
    claim = (
        Claim.objects.select_related("speaker")
        .prefetch_related("quotes__article__outlet")
        .get(key="pompeo-prague-enormous-data-sets")
    )

    node = claim_jsonld(claim, None)

    assert node["firstAppearance"]["url"] == NEWSWEEK_URL
    assert node["firstAppearance"]["@id"] == "/articles/newsweek-2020-08-13-pompeo-enormous-data-sets/"
    assert [appearance.get("url") for appearance in node["appearance"]] == [NEWSWEEK_URL]


def test_corpus_article_page_links_the_original_newsweek_story(client, loaded_corpus):
    """The Newsweek article page links its original address; an article without one says so."""
    newsweek = client.get("/articles/newsweek-2020-08-13-pompeo-enormous-data-sets/").content.decode()
    guardian = client.get("/articles/guardian-2022-07-01-tiktok-on-defense-after-report/").content.decode()

    assert f'<a href="{NEWSWEEK_URL}" rel="external noopener">{NEWSWEEK_URL}</a>' in newsweek
    assert "Address not established" in guardian
