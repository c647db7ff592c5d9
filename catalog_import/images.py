"""The images stage: each ImageRef of a draft (a file in the ZIP, or an http(s)
URL) becomes a PreparedImage, decoded and normalised by the shop's one image
decoder (storefront.catalog.images), then is stored with its renditions.

Problems, on the draft, never raised:
- a ZIP image that is missing, not an image, truncated or too large is a row
  ERROR (IMAGE_NOT_FOUND / IMAGE_INVALID / IMAGE_TOO_LARGE): the product waits
  until the photo is fixed;
- a remote image that cannot be fetched (no network, timeout, HTTP error,
  larger than settings.IMAGE_MAX_BYTES, a redirect to another scheme, a
  private address) is a WARNING (IMAGE_UNREACHABLE), and one that is fetched
  but cannot be used is a WARNING with IMAGE_INVALID / IMAGE_TOO_LARGE: the
  seller often cannot fix someone else's CDN, so the product is imported
  without that photo.

A photo is identified by the sha256 of its bytes as uploaded (see
storefront.catalog.images.content_hash): the same photo twice in a product is
kept once, and a photo the product already has is not stored again."""

import errno
import http.client
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from django.conf import settings
from django.utils.encoding import iri_to_uri

from storefront.catalog.errors import CatalogError, CatalogErrorCode
from storefront.catalog.images import (
    JPEG_DRAFT_MIN_SIDE,
    NormalisedImage,
    content_hash,
    decode_image,
    normalise_image,
)
from storefront.catalog.models import Product, ProductImage
from storefront.catalog.services import product_image_store

from .errors import ImportErrorCode as Code
from .errors import Severity
from .types import ImageRef, Problem, ProductDraft

FETCH_TIMEOUT = 5.0  # seconds, to connect and for each read
FETCH_DEADLINE = 20.0  # seconds for a whole download (a server trickling bytes)
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
DEAD_HOST_SECONDS = 60.0  # a host that did not answer is not asked again meanwhile
USER_AGENT = "gongfu-shop-catalogue-import/1 (+image fetch)"


@dataclass
class PreparedImage:
    """A photo ready for store_images: normalised (upright, sRGB, no
    metadata, ≤ 2048 px). Its JPEG renditions are made on other threads
    meanwhile; `renditions` waits for them."""

    content_hash: str  # sha256 of the bytes as uploaded or downloaded
    data: bytes  # the normalised image that is stored as the original
    format: str  # "JPEG", or "PNG" for a photo with transparency
    width: int
    height: int
    alt: str = ""
    position: int = 0
    source: str = ""  # the file name or URL, as written in the sheet
    normalised: NormalisedImage | None = field(default=None, repr=False)

    @property
    def extension(self) -> str:
        return "png" if self.format == "PNG" else "jpg"

    @property
    def renditions(self) -> dict[str, bytes]:
        """JPEG bytes by RENDITION_WIDTHS name; OSError if one failed."""
        return self.normalised.renditions if self.normalised else {}


def prepare_images(
    draft: ProductDraft,
    *,
    image_bytes: Callable[[str], bytes | None] | None,
    fetch_remote: bool = True,
    known_hashes: Collection[str] = (),
    check_only: bool = False,
    fetcher: "ImageFetcher | None" = None,
    on_image: Callable[[], None] | None = None,
) -> list[PreparedImage]:
    """Open, check and normalise the draft's images, in position order; add a
    Problem to the draft for each one that cannot be used.

    `image_bytes` gives a ZIP member's bytes by file name (None: no ZIP).
    Photos whose content hash is in `known_hashes` (what the product already
    has, see existing_image_hashes) are skipped without being decoded.
    `check_only` (a dry run) decodes and reports but returns nothing, skipping
    the costly resizing and encoding. Pass one `fetcher` per import so that
    an unreachable host costs one timeout per import, not one per image.
    `on_image` is called before each image: a product with many slow photos
    must not look like a dead worker to the stalled-job sweep."""
    fetcher = fetcher or _default_fetcher()
    prepared: list[PreparedImage] = []
    draft.new_images = []  # what the product gets: shown in the plan's diff
    seen = set(known_hashes)
    for ref in sorted(draft.images, key=lambda ref: ref.position):
        if on_image is not None:
            on_image()
        source = (ref.source or "").strip()
        if not source:
            continue
        if source.startswith("//"):  # protocol-relative, as some exports write
            source = f"https:{source}"
        remote = _is_remote(source)
        if remote:
            data = _download(draft, ref, source, fetch_remote, fetcher)
        else:
            data = _from_zip(draft, ref, source, image_bytes)
        if data is None:
            continue
        digest = content_hash(data)
        if digest in seen:
            continue
        try:
            if check_only:
                decode_image(data, min_side=JPEG_DRAFT_MIN_SIDE)
            else:
                image = normalise_image(data)
        except CatalogError as error:
            code = (
                Code.IMAGE_TOO_LARGE
                if error.code == CatalogErrorCode.IMAGE_TOO_LARGE
                else Code.IMAGE_INVALID
            )
            severity = Severity.WARNING if remote else Severity.ERROR
            _problem(draft, ref, code, source, severity)
            continue
        seen.add(digest)
        draft.new_images.append(source)
        if check_only:
            continue
        prepared.append(
            PreparedImage(
                content_hash=image.content_hash,
                data=image.data,
                format=image.format,
                width=image.width,
                height=image.height,
                alt=(ref.alt or "").strip()[:200],
                position=ref.position,
                source=source,
                normalised=image,
            )
        )
    return prepared


def store_images(product: Product, prepared: Iterable[PreparedImage]) -> int:
    """Store the prepared photos the product does not have yet (by content
    hash), through Django's storage API, with sort_order from their position
    and alt text defaulting to the product name. Returns how many were added.
    Does not retire the catalogue cache (apply does, once)."""
    have = existing_image_hashes([product.pk]).get(product.pk, set())
    added = 0
    for image in prepared:
        if image.content_hash in have:
            continue
        record = product_image_store(
            product=product,
            original=image.data,
            extension=image.extension,
            renditions=image.renditions,
            content_hash=image.content_hash,
            alt=image.alt or product.name[:200],
            sort_order=max(0, image.position),
            known_new=True,
        )
        have.add(image.content_hash)
        if record is not None:
            added += 1
    return added


def existing_image_hashes(product_ids: Iterable[int]) -> dict[int, set[str]]:
    """The content hashes of the products' stored photos, in one query."""
    hashes: dict[int, set[str]] = {}
    rows = (
        ProductImage.objects.filter(product_id__in=list(product_ids))
        .exclude(content_hash="")
        .values_list("product_id", "content_hash")
    )
    for product_id, digest in rows:
        hashes.setdefault(product_id, set()).add(digest)
    return hashes


# --------------------------------------------------------------------- sources


def _is_remote(source: str) -> bool:
    """http(s) URLs are fetched; anything else with a URL scheme (file:,
    ftp:, data: …) is refused by _download; the rest are ZIP file names
    (a Windows path like C:\\photos\\a.jpg has a one-letter "scheme")."""
    scheme = urlsplit(source).scheme
    return len(scheme) > 1


def _from_zip(draft, ref, source, image_bytes) -> bytes | None:
    if image_bytes is None:
        _problem(draft, ref, Code.IMAGE_NOT_FOUND, source)
        return None
    try:
        data = image_bytes(source)
    except Exception:  # noqa: BLE001 - a member that cannot be unpacked
        data = b""
    if data is None:
        _problem(draft, ref, Code.IMAGE_NOT_FOUND, source)
    return data


def _download(draft, ref, url, fetch_remote, fetcher) -> bytes | None:
    if not fetch_remote:
        reason = "未下载 not fetched"
    else:
        try:
            return fetcher.fetch(url)
        except FetchError as error:
            reason = error.reason
    _problem(draft, ref, Code.IMAGE_UNREACHABLE, f"{url} ({reason})", Severity.WARNING)
    return None


def _problem(draft, ref: ImageRef, code, detail, severity=Severity.ERROR) -> None:
    draft.problems.append(
        Problem(
            code=code,
            row=ref.row,
            column=ref.column,
            detail=detail,
            severity=severity,
            product_code=draft.product_code,
        )
    )


# ---------------------------------------------------------------------- fetch


class FetchError(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class ImageFetcher:
    """Downloads remote images defensively: http and https only (redirects
    too, at most MAX_REDIRECTS), FETCH_TIMEOUT to connect and per read,
    FETCH_DEADLINE for the whole body, read in chunks and abandoned past
    settings.IMAGE_MAX_BYTES; no proxies, no file:/ftp:/data: handlers; and
    only public addresses (checked on the connected socket, so DNS tricks do
    not help) unless settings.IMAGE_FETCH_ALLOW_PRIVATE — spreadsheet URLs
    must not reach the shop's own network. A host that failed to answer is
    not asked again for DEAD_HOST_SECONDS."""

    def __init__(self, *, timeout: float = FETCH_TIMEOUT, deadline=FETCH_DEADLINE):
        self.timeout = timeout
        self.deadline = deadline
        self._dead: dict[tuple, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._opener = urllib.request.OpenerDirector()
        for handler in (
            _HTTPHandler(),
            _HTTPSHandler(),
            _RedirectHandler(),
            urllib.request.HTTPDefaultErrorHandler(),
            urllib.request.HTTPErrorProcessor(),
        ):
            self._opener.add_handler(handler)

    def fetch(self, url: str) -> bytes:
        """The body at `url`, or FetchError with a short reason."""
        try:
            url = _ascii_url(url)
            parts = urlsplit(url)
        except (ValueError, UnicodeError):
            raise FetchError("网址无效 invalid URL") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise FetchError("只支持 http/https only http(s)")
        host = (parts.scheme.lower(), parts.hostname, parts.port)
        with self._lock:
            dead = self._dead.get(host)
        if dead and time.monotonic() - dead[0] < DEAD_HOST_SECONDS:
            raise FetchError(dead[1])
        try:
            return self._get(url)
        except FetchError:
            raise
        except urllib.error.HTTPError as exc:
            raise FetchError(f"HTTP {exc.code}") from None
        except Exception as exc:  # noqa: BLE001 - any network failure
            reason = _reason(exc)
            if _host_unreachable(exc):
                with self._lock:
                    self._dead[host] = (time.monotonic(), reason)
            raise FetchError(reason) from None

    def _get(self, url: str) -> bytes:
        cap = settings.IMAGE_MAX_BYTES
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        started = time.monotonic()
        with self._opener.open(request, timeout=self.timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.strip().isdigit() and int(length) > cap:
                raise FetchError(_too_large(cap))
            chunks, total = [], 0
            while chunk := response.read(CHUNK):
                total += len(chunk)
                if total > cap:
                    raise FetchError(_too_large(cap))
                if time.monotonic() - started > self.deadline:
                    raise FetchError("超时 timed out")
                chunks.append(chunk)
        return b"".join(chunks)

    def forget_hosts(self) -> None:
        with self._lock:
            self._dead.clear()


_DEFAULT: ImageFetcher | None = None


def _default_fetcher() -> ImageFetcher:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ImageFetcher()
    return _DEFAULT


def _ascii_url(url: str) -> str:
    """Spreadsheet URLs may hold Chinese paths or hosts: percent-encode the
    path and query, IDNA-encode the host."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if host and not host.isascii():
        netloc = parts.netloc.lower().replace(host, host.encode("idna").decode())
        parts = parts._replace(netloc=netloc)
    return iri_to_uri(urlunsplit(parts))


def _too_large(cap: int) -> str:
    return f"超过 {cap // (1024 * 1024)} MB larger than {cap // (1024 * 1024)} MB"


def _reason(exc: Exception) -> str:
    cause = getattr(exc, "reason", exc)
    if isinstance(cause, FetchError):
        return cause.reason
    if isinstance(cause, TimeoutError):
        return "超时 timed out"
    if isinstance(cause, socket.gaierror):
        return "域名无法解析 unknown host"
    if isinstance(cause, ConnectionRefusedError):
        return "连接被拒绝 connection refused"
    if isinstance(cause, http.client.HTTPException):
        return f"HTTP 协议错误 bad response ({type(cause).__name__})"
    return f"无法连接 {type(cause).__name__}"


def _host_unreachable(exc: Exception) -> bool:
    """No answer at all (as opposed to an HTTP error): asking the same host
    again would only cost another timeout."""
    cause = getattr(exc, "reason", exc)
    return isinstance(
        cause, TimeoutError | socket.gaierror | ConnectionRefusedError
    ) or getattr(cause, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH)


def _allowed_peer(sock: socket.socket) -> None:
    if getattr(settings, "IMAGE_FETCH_ALLOW_PRIVATE", False):
        return
    address = ipaddress.ip_address(sock.getpeername()[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        sock.close()
        raise FetchError("内网地址 private address refused")


def _create_connection(address, timeout, source_address=None, *args, **kwargs):
    sock = socket.create_connection(address, timeout, source_address, *args, **kwargs)
    _allowed_peer(sock)
    return sock


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _create_connection


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _create_connection


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def http_error_302(self, req, fp, code, msg, headers):
        location = headers.get("location") or headers.get("uri") or ""
        target = urljoin(req.full_url, location.strip())
        if urlsplit(target).scheme.lower() not in ("http", "https"):
            raise FetchError("重定向到非 http 地址 redirect to another scheme")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302
