"""Absolute URLs of our own pages: the one place that builds them.

QR codes, share links and posters, e-mails, canonical and Open Graph links
all call `absolute_url(path, request=None)`:

- `SITE_URL` when it is set in the environment (`make run` sets it to
  http://127.0.0.1:$PORT unless you set it yourself);
- otherwise (SITE_URL still its default, settings.SITE_URL_DEFAULT), inside
  a request, the request's own scheme and host when that host is in
  ALLOWED_HOSTS (Django's check; any other host falls back);
- otherwise the default, http://127.0.0.1:$PORT (8000).

E-mails never pass a request: their links always come from SITE_URL, never
from a Host header a visitor chose. SITE_URL is scheme://host[:port] only:
a trailing slash is dropped, a path (the shop under /shop/) is refused at
startup (`normalise_site_url`), because reverse() already gives whole paths
and a prefix would be added twice or not at all.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost, ImproperlyConfigured


def normalise_site_url(value: str) -> str:
    """SITE_URL as the settings keep it: "scheme://host[:port]", no trailing
    slash. ImproperlyConfigured, saying what to set, for anything else."""
    raw = (value or "").strip()
    parts = urlsplit(raw)
    example = "SITE_URL=https://shop.example.cn"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"SITE_URL 必须是 http(s)://主机[:端口] / SITE_URL must be "
            f"http(s)://host[:port], got {raw!r} (e.g. {example})"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"SITE_URL 不能带路径 / SITE_URL cannot have a path, query or "
            f"fragment, got {raw!r}: the shop is served at the host's root "
            f"(e.g. {example}; docs/operations.md, SITE_URL)"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ImproperlyConfigured(
            f"SITE_URL 端口无效 / SITE_URL has a bad port: {raw!r}"
        ) from None
    return f"{parts.scheme}://{parts.netloc}"


def site_url(request=None) -> str:
    """ "scheme://host[:port]" that absolute URLs start with (see above)."""
    default = getattr(settings, "SITE_URL_DEFAULT", None)
    if request is not None and default and settings.SITE_URL == default:
        try:
            host = request.get_host()  # validated against ALLOWED_HOSTS
        except DisallowedHost:
            host = None
        if host:
            return f"{request.scheme}://{host}"
    return settings.SITE_URL


def absolute_url(path: str, request=None) -> str:
    """The absolute URL of `path` (from reverse() or storage). Already
    absolute URLs are kept; scheme-relative ones get https."""
    if path.startswith(("http://", "https://")):
        return path
    if path.startswith("//"):
        return "https:" + path
    if not path.startswith("/"):
        path = "/" + path
    return site_url(request) + path
