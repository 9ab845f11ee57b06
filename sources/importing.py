"""Importing a web page: fetch it safely, extract its text and metadata, keep the HTML as it was."""

import datetime
import hashlib
import ipaddress
import socket
import time
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

import trafilatura
import urllib3
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from trafilatura.utils import decode_file

from tiktok_claims.paging import whole_number

HTML_CONTENT_TYPES = {"text/html", "application/xhtml+xml"}
MAX_REDIRECTS = 3
READ_CHUNK_BYTES = 64 * 1024


class ImportRefused(Exception):
    """A page that cannot be imported; the message names the problem for the curator."""


@dataclass
class Page:
    """The bytes of a page as received, and where and when they came from."""

    content: bytes
    content_type: str
    encoding: str
    source_url: str
    fetched_at: datetime.datetime
    file_name: str = ""

    @property
    def sha256(self):
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Extracted:
    """What trafilatura found in a page, for a curator to check and correct."""

    text: str
    headline: str
    published_on: datetime.date | None
    byline: str
    canonical_url: str


def parse_content_type(header):
    message = Message()
    message["content-type"] = header or ""
    return message.get_content_type(), message.get_param("charset") or ""


def page_from_file(content, file_name="", content_type="text/html"):
    """A page a curator saved from a browser."""
    if not content.strip():
        raise ImportRefused("The file is empty: nothing extractable.")
    if looks_binary(content):
        raise ImportRefused("The file is not HTML: it looks like binary data.")
    limit = settings.IMPORT_MAX_BYTES
    if len(content) > limit:
        raise ImportRefused(f"The file is too big: {len(content):,} bytes, the limit is {limit:,}.")
    _, charset = parse_content_type(content_type)
    return Page(content, "text/html", charset, "", timezone.now(), file_name)


def looks_binary(content):
    return b"\x00" in content[:4096]


def refuse_private_address(host, port):
    """Resolve host; refuse it if any address is loopback, private, link-local or otherwise not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ImportRefused(f"Address refused: the host {host!r} does not resolve.") from error
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not settings.IMPORT_ALLOW_PRIVATE_ADDRESSES and not address.is_global:
            raise ImportRefused(
                f"Address refused: {host} resolves to {address}, a loopback, private or reserved "
                "address; only public web pages are imported."
            )
        addresses.append(str(address))
    return addresses[0]


def fetch(url):
    """GET url with a timeout, a size limit and a content-type check; refuse non-public addresses."""
    timeout = settings.IMPORT_FETCH_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ImportRefused(f"Not a web address: {url[:200]!r} (use http:// or https://).")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise ImportRefused(f"Not a web address: {url[:200]!r} has an invalid port.") from error
        # Connect to the address that was checked, so a second DNS answer cannot point elsewhere.
        address = refuse_private_address(parts.hostname, port)
        response = request(parts, address, port, deadline, timeout)
        if response.status in {301, 302, 303, 307, 308} and response.headers.get("Location"):
            response.release_conn()
            url = urljoin(url, response.headers["Location"])
            continue
        return read_page(response, url, deadline, timeout)
    raise ImportRefused(f"Too many redirects (more than {MAX_REDIRECTS}) from the address given.")


def request(parts, address, port, deadline, timeout):
    pool_class = urllib3.HTTPSConnectionPool if parts.scheme == "https" else urllib3.HTTPConnectionPool
    options = (
        {"server_hostname": parts.hostname, "assert_hostname": parts.hostname}
        if parts.scheme == "https"
        else {}
    )
    pool = pool_class(
        address, port, timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False, **options
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    try:
        response = pool.urlopen(
            "GET",
            path,
            headers={"Host": host_header, "User-Agent": "tiktok-claims-import/1", "Accept": "text/html"},
            redirect=False,
            preload_content=False,
        )
    except urllib3.exceptions.TimeoutError as error:
        raise ImportRefused(f"Timed out: no answer within {timeout} seconds.") from error
    except urllib3.exceptions.HTTPError as error:
        raise ImportRefused(f"Could not fetch the page: {error.__class__.__name__}.") from error
    if time.monotonic() > deadline:
        raise ImportRefused(f"Timed out: no answer within {timeout} seconds.")
    return response


def read_page(response, url, deadline, timeout):
    limit = settings.IMPORT_MAX_BYTES
    try:
        if response.status != 200:
            raise ImportRefused(f"The server answered {response.status}, not the page.")
        content_type, charset = parse_content_type(response.headers.get("Content-Type"))
        if content_type not in HTML_CONTENT_TYPES:
            raise ImportRefused(f"Not HTML: the server sent {content_type}.")
        declared = whole_number(response.headers.get("Content-Length", ""), digits=18)
        if declared is not None and declared > limit:
            raise ImportRefused(f"Too big: the page is {declared:,} bytes, the limit is {limit:,}.")
        chunks, size = [], 0
        while chunk := response.read(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise ImportRefused(f"Too big: the page passed the limit of {limit:,} bytes.")
            if time.monotonic() > deadline:
                raise ImportRefused(f"Timed out: the page did not arrive within {timeout} seconds.")
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError as error:
        raise ImportRefused(f"Timed out: the page did not arrive within {timeout} seconds.") from error
    except urllib3.exceptions.HTTPError as error:
        raise ImportRefused(f"Could not read the page: {error.__class__.__name__}.") from error
    finally:
        response.release_conn()
    return Page(b"".join(chunks), content_type, charset, url, timezone.now())


def decode(page):
    if page.encoding:
        try:
            return page.content.decode(page.encoding, errors="replace")
        except LookupError:
            pass
    return decode_file(page.content)


def extract(page):
    """The page's main text (paragraphs separated by blank lines) and its metadata."""
    document = trafilatura.bare_extraction(
        decode(page), url=page.source_url or None, with_metadata=True, include_comments=False
    )
    text = ""
    if document is not None and document.text:
        text = "\n\n".join(line.strip() for line in document.text.splitlines() if line.strip())
    if not text:
        raise ImportRefused("Nothing extractable: no article text was found in the page.")
    published_on = None
    if document.date:
        try:
            published_on = datetime.date.fromisoformat(document.date[:10])
        except ValueError:
            published_on = None
    return Extracted(
        text=text,
        headline=(document.title or "").strip()[:500],
        published_on=published_on,
        byline=(document.author or "").strip()[:300],
        canonical_url=(document.url or page.source_url or "")[:500],
    )


def save_snapshot(page):
    """Store the page as received, not yet attached to an article (the curator reviews first)."""
    from sources.models import ArticleSnapshot

    return ArticleSnapshot.objects.create(
        html=page.content,
        sha256=page.sha256,
        fetched_at=page.fetched_at,
        source_url=page.source_url,
        content_type=page.content_type,
        encoding=page.encoding,
        file_name=page.file_name,
    )


def create_article(article, snapshot):
    """Save the reviewed article and attach its snapshot, together."""
    with transaction.atomic():
        article.full_clean()
        article.save()
        snapshot.article = article
        snapshot.save(update_fields=["article"])
    return article
