"""Citations of claims, read back by the parsers reference managers use."""

import datetime
import json
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from jsonschema import Draft7Validator

from claims.models import SpeakerKind
from claims.tests.factories import ClaimFactory, QuoteFactory, SpeakerFactory, TopicFactory
from sources.dates import DatePrecision
from sources.tests.factories import ArticleFactory, OutletFactory

CSL_DATA_SCHEMA = json.loads((Path(__file__).parent / "csl_schema" / "csl-data.json").read_text())
# The summary a LaTeX writer must escape and a reader must get back unchanged.
AWKWARD_SUMMARY = 'Data on 100% of users & 50_000 #accounts {sic} costs $3 ~ "much" — über-secret.'


@pytest.fixture
def cited(db):
    """A claim by a person, dated to the day, with two topics and a source article."""
    speaker = SpeakerFactory(name="Shou Zi Chew", slug="shou-zi-chew", kind=SpeakerKind.PERSON)
    claim = ClaimFactory(
        key="chew-never-shared",
        speaker=speaker,
        summary=AWKWARD_SUMMARY,
        said_on=datetime.date(2023, 3, 23),
        venue="House Energy and Commerce Committee hearing",
    )
    claim.topics.set([TopicFactory(name="Data storage"), TopicFactory(name="Access to US user data")])
    article = ArticleFactory(
        outlet=OutletFactory(name="The Guardian", slug="guardian"),
        headline="TikTok chief grilled",
        published_on=datetime.date(2023, 3, 24),
        url="https://example.org/tiktok-chief",
    )
    QuoteFactory(claim=claim, article=article)
    return claim


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.getvalue().decode("utf-8"), response


def test_csl_json_of_a_claim_validates_against_the_csl_data_schema(client, cited):
    """The CSL-JSON download of a claim is valid CSL data."""
    text, response = download(client, f"/api/claims/{cited.pk}/?format=csljson")
    items = json.loads(text)
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    assert f'filename="claim-{cited.pk}.json"' in response["Content-Disposition"]
    errors = [error.message for error in Draft7Validator(CSL_DATA_SCHEMA).iter_errors(items)]
    assert errors == []
    (item,) = items
    assert item["type"] == "dataset"
    assert item["author"] == [{"family": "Chew", "given": "Shou Zi"}]
    assert item["issued"] == {"date-parts": [[2023, 3, 23]]}
    assert item["accessed"] == {"date-parts": [list(datetime.date.today().timetuple()[:3])]}
    assert item["URL"] == f"http://testserver/claims/{cited.pk}/"
    assert item["version"] == str(cited.version)
    assert (
        "The Guardian, “TikTok chief grilled”, 24 March 2023, https://example.org/tiktok-chief"
        in item["note"]
    )


@pytest.mark.filterwarnings("ignore:The following arguments for Reference are unsupported")
def test_citeproc_renders_the_csl_json_as_an_author_date_reference(client, cited):
    """citeproc-py renders the CSL-JSON in an author-date (APA-like) style: author, year, title, URL."""
    text, _ = download(client, f"/api/claims/{cited.pk}/?format=csljson")
    # citeproc-py ships this Harvard author-date style (the layout APA follows) with its locales.
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(json.loads(text)), formatter.plain)
    bibliography.register(Citation([CitationItem("chew-never-shared")]))
    (reference,) = [str(entry) for entry in bibliography.bibliography()]
    assert reference.startswith("Chew, S.Z. (2023)")
    assert "Data on 100% of users & 50_000 #accounts" in reference
    assert "TikTok claims database" in reference
    assert f"Available at: http://testserver/claims/{cited.pk}/" in reference


def test_bibtex_of_a_claim_parses_back_to_the_same_values(client, cited):
    """bibtexparser reads the BibTeX entry back: type, key, author, LaTeX specials decoded to the summary."""
    text, response = download(client, f"/api/claims/{cited.pk}/?format=bibtex")
    assert response["Content-Type"].startswith("application/x-bibtex")
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.MonthIntMiddleware(True),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    assert library.failed_blocks == []
    (entry,) = library.entries
    assert (entry.entry_type, entry.key) == ("misc", "chew-never-shared")
    (author,) = entry["author"]
    assert (author.last, author.first) == (["Chew"], ["Shou", "Zi"])
    assert entry["title"] == AWKWARD_SUMMARY
    assert (entry["year"], entry["month"], entry["date"]) == ("2023", 3, "2023-03-23")
    assert entry["url"] == f"http://testserver/claims/{cited.pk}/"
    assert entry["urldate"] == datetime.date.today().isoformat()
    assert entry["keywords"] == "Access to US user data, Data storage"


def test_bibtex_keeps_an_organisation_whole(client, db):
    """An organisation's name is braced, so BibTeX does not split it into given and family names."""
    speaker = SpeakerFactory(
        name="Committee on Foreign Investment and Trade", kind=SpeakerKind.GOVERNMENT_BODY
    )
    claim = ClaimFactory(
        speaker=speaker, said_on=datetime.date(2020, 8, 1), said_on_precision=DatePrecision.MONTH
    )
    text, _ = download(client, f"/api/claims/{claim.pk}/?format=bibtex")
    library = bibtexparser.parse_string(text, append_middleware=[middlewares.SeparateCoAuthors()])
    (entry,) = library.entries
    assert entry["author"] == ["{Committee on Foreign Investment and Trade}"]
    assert (entry["year"], entry["month"], entry["date"]) == ("2020", "aug", "2020-08")


def test_ris_of_a_claim_reads_back_as_a_dataset(client, cited):
    """rispy reads the RIS record: type DATA, author, title, date, URL, access date, keywords."""
    text, response = download(client, f"/api/claims/{cited.pk}/?format=ris")
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    (record,) = rispy.loads(text)
    assert record["type_of_reference"] == "DATA"
    assert record["authors"] == ["Chew, Shou Zi"]
    assert record["title"] == AWKWARD_SUMMARY
    assert (record["year"], record["date"]) == ("2023", "2023/03/23/")
    assert record["urls"] == [f"http://testserver/claims/{cited.pk}/"]
    assert record["access_date"] == datetime.date.today().strftime("%Y/%m/%d/")
    assert record["keywords"] == ["Access to US user data", "Data storage"]
    assert record["edition"] == str(cited.version)


def test_a_year_known_claim_is_cited_with_its_year_only(client, db):
    """A claim known to the year is issued as that year in every format, never as 1 January."""
    claim = ClaimFactory(said_on=datetime.date(2020, 1, 1), said_on_precision=DatePrecision.YEAR)
    csl, _ = download(client, f"/api/claims/{claim.pk}/?format=csljson")
    ris, _ = download(client, f"/api/claims/{claim.pk}/?format=ris")
    bibtex, _ = download(client, f"/api/claims/{claim.pk}/?format=bibtex")
    assert json.loads(csl)[0]["issued"] == {"date-parts": [[2020]]}
    assert rispy.loads(ris)[0]["date"] == "2020///"
    entry = bibtexparser.parse_string(bibtex).entries[0]
    assert entry["date"] == "2020" and "month" not in entry


def test_a_filtered_list_downloads_every_matching_claim(client, db, django_assert_max_num_queries):
    """?format=bibtex|ris|csljson on the list holds the whole filtered result, not one page."""
    speaker = SpeakerFactory(slug="pompeo")
    ClaimFactory.create_batch(60, speaker=speaker)
    ClaimFactory.create_batch(3)
    with django_assert_max_num_queries(8):
        csl, _ = download(client, "/api/claims/?format=csljson&speaker=pompeo")
    bibtex, response = download(client, "/api/claims/?format=bibtex&speaker=pompeo")
    ris, _ = download(client, "/api/claims/?format=ris&speaker=pompeo")
    assert 'filename="claims.bib"' in response["Content-Disposition"]
    assert len(json.loads(csl)) == 60
    assert Draft7Validator(CSL_DATA_SCHEMA).is_valid(json.loads(csl))
    assert len(bibtexparser.parse_string(bibtex).entries) == 60
    assert len(rispy.loads(ris)) == 60


def test_a_citation_list_over_the_row_cap_is_a_400_naming_format(client, db, settings):
    """A citation download over the CSV row cap is refused with a 400 naming `format`, as CSV is."""
    settings.API_CSV_MAX_ROWS = 2
    ClaimFactory.create_batch(3)
    response = client.get("/api/claims/?format=ris")
    assert response.status_code == 400
    assert "at most 2" in response.json()["format"][0]


def test_citation_formats_are_offered_on_claims_only(client, db):
    """Another endpoint answers ?format=bibtex with a 400 naming `format`; a missing claim is a JSON 404."""
    response = client.get("/api/topics/?format=bibtex")
    assert response.status_code == 400
    assert "format" in response.json()
    response = client.get("/api/claims/999999/?format=ris")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Claim matches the given query."}


def test_accept_header_negotiates_a_citation_format(client, cited):
    """A client asking for BibTeX by Accept header gets BibTeX, as with DOI content negotiation."""
    response = client.get(f"/api/claims/{cited.pk}/", HTTP_ACCEPT="application/x-bibtex")
    assert response.status_code == 200
    assert response.getvalue().startswith(b"@misc{chew-never-shared,")


def test_claim_page_offers_an_apa_like_citation_and_the_downloads(client, cited):
    """'Cite this' shows an APA-like reference with version and links the three download formats."""
    response = client.get(f"/claims/{cited.pk}/")
    text = response.content.decode()
    today = datetime.date.today()
    assert (
        "Chew, S. Z. (2023, March 23). <cite>Data on 100% of users &amp; 50_000 #accounts {sic} "
        "costs $3 ~ &quot;much&quot; — über-secret.</cite> "
        f"(Version {cited.version}) [Allegation]. TikTok claims database. "
        f"Retrieved {today:%B} {today.day}, {today.year}, from"
    ) in text
    for format in ("csljson", "bibtex", "ris"):
        assert f'href="/api/claims/{cited.pk}/?format={format}"' in text


def test_openapi_describes_the_citation_formats(client, db):
    """The schema offers csljson, bibtex and ris on claims, their bodies described as what they are."""
    schema = client.get("/api/schema/?format=json").json()
    for path in ("/api/claims/", "/api/claims/{id}/"):
        operation = schema["paths"][path]["get"]
        (format,) = [parameter for parameter in operation["parameters"] if parameter["name"] == "format"]
        assert {"csljson", "bibtex", "ris"} <= set(format["schema"]["enum"])
        assert "Zotero" in format["description"]
        content = operation["responses"]["200"]["content"]
        assert content["application/x-bibtex"]["schema"]["type"] == "string"
        assert content["application/vnd.citationstyles.csl+json"]["schema"]["type"] == "array"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_cite_this_downloads_a_bibtex_file_in_the_browser(live_server, browser):
    """In Chromium, 'Cite this' shows the reference and its BibTeX link downloads a .bib that parses."""
    speaker = SpeakerFactory(name="Mike Pompeo", slug="mike-pompeo")
    claim = ClaimFactory(speaker=speaker, key="pompeo-cite", summary="TikTok is a national security issue.")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + claim.get_absolute_url())
        citation = page.locator(".cite .citation").inner_text()
        assert citation.startswith("Pompeo, M. (2020, August 12). TikTok is a national security issue.")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="BibTeX").click()
        download = download_info.value
        assert download.suggested_filename == f"claim-{claim.pk}.bib"
        (entry,) = bibtexparser.parse_string(Path(download.path()).read_text()).entries
        assert entry.key == "pompeo-cite"
    finally:
        context.close()
