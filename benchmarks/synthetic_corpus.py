"""A synthetic corpus for benchmarks, shaped like the curated one but of any size.

Proportions follow the curated corpus (about 60 claims, 30 speakers, 5 articles): about 12
claims per article, 1.2 quotes and 1.4 topics per claim, 3 rebuttals per 10 claims. Speakers
grow like the square root of the claims (the same people keep talking as a debate grows).
Every quote is a span cut from its article's text, so its offsets are real. Rows go in with
COPY on PostgreSQL and executemany on SQLite, in one transaction. Quotes are written before
their claims (foreign keys are deferred), so the search-document triggers index each claim
once, with its quotes. On PostgreSQL as a superuser, triggers and per-row foreign-key checks
are switched off for the load (session_replication_role = replica: the rows are consistent by
construction) and each claim's vector is computed from the texts the generator holds, with the
same SQL function the triggers use: ten times faster at a million claims.
"""

import datetime
import hashlib
import io
import math
import random
import time

from django.core.management.color import no_style
from django.db import transaction

from claims import related_lists, tallies
from claims.models import Claim, ClaimType, Quote, Rebuttal, Side, Speaker, SpeakerKind, Topic
from sources.models import Article, Outlet

KEY_PREFIX = "gen-"
CLAIMS_PER_ARTICLE = 12
BATCH_ARTICLES = 500

TOPICS = [
    ("Data storage and localisation", "data-storage"),
    ("Access from China by ByteDance staff", "access-from-china"),
    ("China's National Intelligence Law", "national-intelligence-law"),
    ("Project Texas and Oracle", "project-texas"),
    ("Ban and forced sale", "ban-and-divestment"),
    ("Surveillance of journalists", "surveillance-of-journalists"),
    ("Content moderation and censorship", "content-moderation"),
    ("The recommendation algorithm", "algorithm"),
    ("Children's data", "childrens-data"),
    ("Lobbying and hearings", "lobbying-and-hearings"),
]

FIRST_NAMES = (
    "Alice Amir Ana Ben Carla Chen Dana David Elena Emeka Farah Felix Grace Hassan Helen Hiro Ines "
    "Ivan Jamal Jane Jorge Julia Kai Karen Lars Leila Li Lucas Maria Mark Mei Miguel Nadia Noah "
    "Olga Omar Paul Priya Rachel Raj Rosa Sam Sara Sean Sofia Tara Tom Uma Victor Wei Yara Zoe"
).split()
LAST_NAMES = (
    "Abbott Alvarez Baker Bennett Brooks Carter Chang Choi Coleman Daniels Diaz Ellis Evans Fischer "
    "Foster Garcia Gordon Greene Hale Harper Hayes Holt Huang Hughes Ibrahim Jensen Kaur Keller Kim "
    "Lang Larsen Lee Lopez Maddox Marsh Mendez Meyer Moreno Nakamura Novak Okafor Ortiz Park Patel "
    "Perry Quinn Ramos Reyes Rhodes Russo Sato Schmidt Shaw Silva Singh Stone Sullivan Tanaka Torres "
    "Turner Vance Wagner Walsh Ward Webb Wells Whitfield Wong Wright Xu Yamada Young Zhang Zimmer"
).split()
STATES = (
    "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii "
    "Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan "
    "Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania "
    "Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming"
).split()
PERSON_ROLES = {
    Side.US_GOVERNMENT: [
        "U.S. Senator from {state}",
        "U.S. Representative from {state}",
        "Attorney General of {state}",
        "Commerce Department official",
        "FBI official",
        "FCC commissioner",
        "White House adviser",
    ],
    Side.TIKTOK_BYTEDANCE: [
        "TikTok spokesperson",
        "TikTok head of U.S. security",
        "ByteDance executive",
        "TikTok chief executive",
        "TikTok policy lead",
    ],
    Side.INDEPENDENT: [
        "security researcher",
        "privacy lawyer",
        "former intelligence analyst",
        "professor of information law",
        "technology journalist",
    ],
}
ORGANISATIONS = {
    SpeakerKind.GOVERNMENT_BODY: (
        Side.US_GOVERNMENT,
        ["{state} Office of the Attorney General", "{state} Senate"],
    ),
    SpeakerKind.COMPANY: (Side.TIKTOK_BYTEDANCE, ["TikTok {state} Operations", "ByteDance {state} Office"]),
    SpeakerKind.NEWS_OUTLET: (Side.INDEPENDENT, ["The {state} Ledger", "{state} Public Radio"]),
    SpeakerKind.REPORT: (Side.INDEPENDENT, ["{state} Cyber Lab", "{state} Privacy Institute"]),
    SpeakerKind.COURT: (Side.INDEPENDENT, ["U.S. District Court in {state}", "{state} Court of Appeals"]),
}
# Of every 100 speakers: 78 people, the rest organisations, in the curated corpus's mix.
KIND_WEIGHTS = [
    (SpeakerKind.PERSON, 78),
    (SpeakerKind.GOVERNMENT_BODY, 8),
    (SpeakerKind.COMPANY, 5),
    (SpeakerKind.NEWS_OUTLET, 3),
    (SpeakerKind.REPORT, 4),
    (SpeakerKind.COURT, 2),
]
PERSON_SIDE_WEIGHTS = [(Side.US_GOVERNMENT, 45), (Side.TIKTOK_BYTEDANCE, 25), (Side.INDEPENDENT, 30)]
CLAIM_TYPES_BY_SIDE = {
    Side.US_GOVERNMENT: [(ClaimType.ALLEGATION, 60), (ClaimType.ACTION, 25), (ClaimType.ASSESSMENT, 15)],
    Side.TIKTOK_BYTEDANCE: [(ClaimType.DENIAL, 65), (ClaimType.ADMISSION, 10), (ClaimType.STATISTIC, 25)],
    Side.INDEPENDENT: [(ClaimType.ASSESSMENT, 45), (ClaimType.FINDING, 35), (ClaimType.STATISTIC, 20)],
}
SUBJECTS = [
    "American user data",
    "the data of U.S. users",
    "location data",
    "biometric identifiers",
    "keystroke patterns",
    "contact lists",
    "browsing history inside the app",
    "device identifiers",
    "messages between users",
    "the watch history of minors",
]
ACTORS = [
    "ByteDance engineers in Beijing",
    "the Chinese government",
    "Chinese security services",
    "employees in China",
    "the Chinese Communist Party",
    "an internal audit team",
]
PLACES = [
    "Virginia",
    "Singapore",
    "Texas",
    "Oracle's cloud",
    "servers in {state}",
    "a data centre in {state}",
]
QUOTE_TEMPLATES = {
    ClaimType.ALLEGATION: [
        "{actor} can access {subject} whenever they ask",
        "TikTok hands {subject} to {actor}",
        "{subject} stored in {place} is still reachable from China",
        "the app collects {subject} far beyond what it needs",
    ],
    ClaimType.DENIAL: [
        "we have never shared {subject} with {actor}, and we would not if asked",
        "{subject} is stored in {place} and is not accessible to {actor}",
        "no one in China has access to {subject}",
    ],
    ClaimType.ADMISSION: [
        "some employees in China did have access to {subject} until last year",
        "{subject} was reachable by {actor} during a transition period",
    ],
    ClaimType.STATISTIC: [
        "{number} percent of {subject} now sits in {place}",
        "more than {number} million records of {subject} were migrated to {place}",
    ],
    ClaimType.ACTION: [
        "the department will move to ban the app in {state} within {number} days",
        "we are opening an investigation into how {actor} handle {subject}",
    ],
    ClaimType.ASSESSMENT: [
        "the risk that {actor} obtain {subject} is real but unproven",
        "there is no public evidence that {actor} have received {subject}",
    ],
    ClaimType.FINDING: [
        "the review found that {actor} accessed {subject} on at least {number} occasions",
        "the court found the government had not shown that {actor} obtained {subject}",
    ],
}
SUMMARY_TEMPLATES = {
    ClaimType.ALLEGATION: "{speaker} alleges that {actor} can obtain {subject}.",
    ClaimType.DENIAL: "{speaker} denies that {actor} can obtain {subject}.",
    ClaimType.ADMISSION: "{speaker} admits that {actor} had some access to {subject}.",
    ClaimType.STATISTIC: "{speaker} gives a figure about {subject} held in {place}.",
    ClaimType.ACTION: "{speaker} announces action over {subject} in {state}.",
    ClaimType.ASSESSMENT: "{speaker} judges the risk that {actor} obtain {subject}.",
    ClaimType.FINDING: "{speaker} reports a finding about {actor} and {subject}.",
}
FILLER = [
    "The debate over the app has run for several years in Washington.",
    "Lawmakers from both parties have raised the issue at hearings.",
    "The company says it has spent more than a billion dollars on data security.",
    "Critics point to China's National Intelligence Law of 2017.",
    "Researchers said they could not verify either side's account independently.",
    "The app has about 170 million users in the United States.",
    "Several states have already barred the app from government devices.",
    "The company's American data is now hosted by Oracle in Texas.",
]
OUTLET_WORDS = ["Herald", "Ledger", "Wire", "Courier", "Review", "Observer", "Dispatch", "Tribune", "Post"]
VENUES = [
    "a Senate hearing",
    "a press conference",
    "a television interview",
    "a blog post",
    "a court filing",
    "",
]
RELATIONS_BY_TYPE = {ClaimType.DENIAL: ["denies"], None: ["disputes", "qualifies", "contradicts"]}
# Where the claims fall: a few peaks of the debate on a long, thin background.
PEAKS = [(datetime.date(2020, 8, 6), 60), (datetime.date(2023, 3, 23), 40), (datetime.date(2024, 4, 24), 40)]
FIRST_DAY, LAST_DAY = datetime.date(2019, 1, 1), datetime.date(2025, 12, 31)


def weighted(rng, pairs):
    """Pick one value from (value, weight) pairs."""
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def plan(claims):
    """How many rows of each kind a corpus of this many claims has."""
    return {
        "claims": claims,
        "speakers": max(30, round(30 * math.sqrt(claims / 60))),
        "articles": max(5, math.ceil(claims / CLAIMS_PER_ARTICLE)),
        "outlets": min(60, max(4, round(math.sqrt(claims / 12)))),
    }


class Generator:
    """Writes a synthetic corpus of `claims` claims into the database behind `connection`."""

    def __init__(self, connection, claims, seed=2020, progress=None):
        self.connection = connection
        self.sizes = plan(claims)
        self.rng = random.Random(seed)
        self.progress = progress or (lambda message: None)
        self.claim_sides = []
        self.prominent_claims = []

    def run(self):
        started = time.monotonic()
        with transaction.atomic(using=self.connection.alias):
            self.topic_ids = self.create_topics()
            self.outlet_ids = self.create_outlets()
            self.speakers = self.create_speakers()
            self.speaker_weights = [1 / (rank + 1) for rank in range(len(self.speakers))]
            self.next_ids = {model: self.max_id(model) + 1 for model in (Article, Claim, Quote, Rebuttal)}
            self.first_claim_id = self.next_ids[Claim]
            self.bulk_postgresql = self.start_bulk_postgresql()
            written = 0
            while written < self.sizes["claims"]:
                written += self.write_batch(
                    min(BATCH_ARTICLES * CLAIMS_PER_ARTICLE, self.sizes["claims"] - written)
                )
                elapsed = time.monotonic() - started
                share = written / self.sizes["claims"]
                self.progress(
                    f"  {written:,} / {self.sizes['claims']:,} claims ({share:.0%}) in {elapsed:.0f} s"
                )
            self.reset_sequences()
            tallies.rebuild(self.connection)  # the summary tables: triggers may have been off
            if self.bulk_postgresql:  # (on SQLite the triggers wrote each claim's lists as it loaded)
                related_lists.rebuild(self.connection)
        self.analyse()
        return written

    def max_id(self, model):
        return (
            model.objects.using(self.connection.alias).order_by("-pk").values_list("pk", flat=True).first()
            or 0
        )

    def create_topics(self):
        existing = {topic.slug: topic.pk for topic in Topic.objects.using(self.connection.alias)}
        missing = [Topic(name=name, slug=slug) for name, slug in TOPICS if slug not in existing]
        Topic.objects.using(self.connection.alias).bulk_create(missing)
        return list(
            Topic.objects.using(self.connection.alias)
            .filter(slug__in=[s for _, s in TOPICS])
            .values_list("pk", flat=True)
        )

    def create_outlets(self):
        names = [
            f"The {self.rng.choice(STATES)} {OUTLET_WORDS[n % len(OUTLET_WORDS)]} {n}"
            for n in range(self.sizes["outlets"])
        ]
        outlets = [
            Outlet(
                name=f"{name} (synthetic)", slug=f"{KEY_PREFIX}outlet-{n}", homepage="https://example.org/"
            )
            for n, name in enumerate(names)
        ]
        return [outlet.pk for outlet in Outlet.objects.using(self.connection.alias).bulk_create(outlets)]

    def create_speakers(self):
        speakers = []
        for n in range(self.sizes["speakers"]):
            kind = SpeakerKind.PERSON if n < 5 else weighted(self.rng, KIND_WEIGHTS)
            state = self.rng.choice(STATES)
            if kind == SpeakerKind.PERSON:
                side = weighted(self.rng, PERSON_SIDE_WEIGHTS)
                name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
                role = self.rng.choice(PERSON_ROLES[side]).format(state=state)
            else:
                side, patterns = ORGANISATIONS[kind]
                name = self.rng.choice(patterns).format(state=state)
                role = ""
            speakers.append(
                Speaker(name=name, slug=f"{KEY_PREFIX}speaker-{n}", kind=kind, side=side, role=role)
            )
        return Speaker.objects.using(self.connection.alias).bulk_create(speakers)

    def said_on(self):
        if self.rng.random() < 0.5:
            peak, spread = self.rng.choice(PEAKS)
            day = peak + datetime.timedelta(days=round(self.rng.gauss(0, spread)))
        else:
            day = FIRST_DAY + datetime.timedelta(days=self.rng.randrange((LAST_DAY - FIRST_DAY).days))
        return min(max(day, FIRST_DAY), LAST_DAY)

    def slots(self):
        state = self.rng.choice(STATES)
        return {
            "subject": self.rng.choice(SUBJECTS),
            "actor": self.rng.choice(ACTORS),
            "place": self.rng.choice(PLACES).format(state=state),
            "state": state,
            "number": self.rng.randint(2, 99),
        }

    def write_batch(self, claims_wanted):
        articles, quotes, claims, claim_topics, rebuttals = [], [], [], [], []
        while claims_wanted > 0:
            count = min(claims_wanted, max(1, round(self.rng.gauss(CLAIMS_PER_ARTICLE, 3))))
            claims_wanted -= count
            self.compose_article(count, articles, quotes, claims, claim_topics, rebuttals)
        self.copy(Article, articles)
        if self.bulk_postgresql:
            self.copy_claims_with_vectors(claims, quotes)
            self.copy(Quote, quotes)
        else:
            self.copy(Quote, quotes)  # before the claims: their triggers then index the quotes too
            self.copy(Claim, claims)
        self.copy(Claim.topics.through, claim_topics)
        self.copy(Rebuttal, rebuttals)
        return len(claims)

    def compose_article(self, count, articles, quotes, claims, claim_topics, rebuttals):
        rng = self.rng
        article_id = self.take_id(Article)
        published_on = self.said_on()
        sentences = [rng.choice(FILLER)]
        offset = len(sentences[0]) + 1
        for _ in range(count):
            claim_id = self.take_id(Claim)
            speaker = rng.choices(self.speakers, self.speaker_weights)[0]
            claim_type = weighted(rng, CLAIM_TYPES_BY_SIDE[speaker.side])
            said_on = min(published_on, published_on - datetime.timedelta(days=rng.randint(0, 20)))
            precision = weighted(rng, [("day", 85), ("month", 10), ("year", 5)])
            said_on = {
                "day": said_on,
                "month": said_on.replace(day=1),
                "year": said_on.replace(month=1, day=1),
            }[precision]
            slots = self.slots()
            summary = SUMMARY_TEMPLATES[claim_type].format(speaker=speaker.name, **slots)
            claims.append(
                (
                    claim_id,
                    f"{KEY_PREFIX}{claim_id}",
                    speaker.pk,
                    summary,
                    claim_type,
                    said_on,
                    precision,
                    "",
                    rng.choice(VENUES),
                    "",
                    1,
                )
            )
            for _ in range(2 if rng.random() < 0.2 else 1):
                quote = rng.choice(QUOTE_TEMPLATES[claim_type]).format(**self.slots())
                if rng.random() < 0.6:
                    mode, attribution = "direct", f"{speaker.name} said"
                    before, after = f'{speaker.name} said: "', '."'
                else:
                    mode, attribution = "reported", f"According to {speaker.name}"
                    before, after = f"According to {speaker.name}, ", "."
                start = offset + len(before)
                quotes.append(
                    (
                        self.take_id(Quote),
                        claim_id,
                        article_id,
                        quote,
                        start,
                        start + len(quote),
                        mode,
                        attribution,
                        "",
                        1,
                    )
                )
                sentence = before + quote + after
                sentences.append(sentence)
                offset += len(sentence) + 1
                if rng.random() < 0.3:
                    sentences.append(rng.choice(FILLER))
                    offset += len(sentences[-1]) + 1
            for topic_id in rng.sample(self.topic_ids, 2 if rng.random() < 0.4 else 1):
                claim_topics.append((claim_id, topic_id))
            self.add_rebuttal(claim_id, speaker.side, claim_type, rebuttals)
        text = " ".join(sentences)
        state = rng.choice(STATES)
        headline = f"{rng.choice(ACTORS).capitalize()} and {rng.choice(SUBJECTS)}: the debate in {state}"
        articles.append(
            (
                article_id,
                rng.choice(self.outlet_ids),
                headline[:500],
                f"{KEY_PREFIX}article-{article_id}",
                f"https://example.org/articles/{article_id}",
                published_on,
                "day",
                "Staff reporter",
                text,
                hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "",
                "",
                1,
            )
        )

    def add_rebuttal(self, claim_id, side, claim_type, rebuttals):
        """About 3 claims in 10 answer an earlier claim of another side; some draw many answers."""
        self.claim_sides.append(side)
        if self.rng.random() < 0.05:
            self.prominent_claims.append(claim_id)
        if len(self.claim_sides) < 2 or self.rng.random() >= 0.3:
            return
        for _ in range(10):
            if self.prominent_claims and self.rng.random() < 0.5:
                target = self.rng.choice(self.prominent_claims)
            else:
                target = self.first_claim_id + self.rng.randrange(len(self.claim_sides) - 1)
            if target != claim_id and self.claim_sides[target - self.first_claim_id] != side:
                relation = self.rng.choice(RELATIONS_BY_TYPE.get(claim_type, RELATIONS_BY_TYPE[None]))
                rebuttals.append((self.take_id(Rebuttal), claim_id, target, relation, "", 1))
                return

    def take_id(self, model):
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value

    COLUMNS = {
        Article: "id outlet_id headline slug url published_on published_on_precision byline text text_sha256 "
        "dating_note seed_file version",
        Quote: "id claim_id article_id text start end mode attribution note version",
        Claim: "id key speaker_id summary claim_type said_on said_on_precision dating_note venue note "
        "version",
        Claim.topics.through: "claim_id topic_id",
        Rebuttal: "id rebutting_claim_id rebutted_claim_id relation note version",
    }

    def copy(self, model, rows):
        if not rows:
            return
        quote_name = self.connection.ops.quote_name
        table = quote_name(model._meta.db_table)
        columns = ", ".join(quote_name(column) for column in self.COLUMNS[model].split())
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                buffer = io.StringIO("".join("\t".join(map(copy_value, row)) + "\n" for row in rows))
                cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
            else:
                marks = ", ".join("?" * len(rows[0]))
                cursor.cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def start_bulk_postgresql(self):
        """Switch triggers and foreign-key checks off for this transaction, where allowed."""
        if self.connection.vendor != "postgresql":
            return False
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("CREATE TEMP TABLE generated_claim (LIKE claims_claim) ON COMMIT DROP")
            cursor.execute(
                "ALTER TABLE generated_claim ADD COLUMN speaker_name text, ADD COLUMN quote_texts text"
            )
        return True

    def copy_claims_with_vectors(self, claims, quotes):
        """COPY claims through a staging table, computing each search vector from its texts."""
        names = {speaker.pk: speaker.name for speaker in self.speakers}
        texts = {}
        for quote in quotes:  # in id order, as claims_claim_search_vector() joins them
            texts.setdefault(quote[1], []).append(quote[3])
        rows = [(*claim, names[claim[2]], " ".join(texts.get(claim[0], []))) for claim in claims]
        columns = ", ".join(self.connection.ops.quote_name(column) for column in self.COLUMNS[Claim].split())
        buffer = io.StringIO("".join("\t".join(map(copy_value, row)) + "\n" for row in rows))
        with self.connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY generated_claim ({columns}, speaker_name, quote_texts) FROM STDIN", buffer
            )
            cursor.execute(
                f"INSERT INTO claims_claim ({columns}, search_vector) "
                f"SELECT {columns}, claims_search_document(summary, speaker_name, quote_texts) "
                "FROM generated_claim"
            )
            cursor.execute("TRUNCATE generated_claim")

    def reset_sequences(self):
        models = [Article, Claim, Quote, Rebuttal, Claim.topics.through]
        with self.connection.cursor() as cursor:
            for statement in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)

    def analyse(self):
        """Fresh planner statistics, so the first benchmark does not run on guesses."""
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql" and not self.connection.in_atomic_block:
                # VACUUM also sets the visibility map COPY leaves empty: without it an index-only
                # scan still visits the heap for every row (300k heap fetches seen at 1M claims).
                cursor.execute("VACUUM (ANALYZE)")
            else:
                cursor.execute("ANALYZE")


def copy_value(value):
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
