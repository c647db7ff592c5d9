"""Absolute URLs come from one place, storefront.core.urls.absolute_url:
SITE_URL when set (a trailing slash dropped, a path refused at startup);
left unset, SITE_URL is http://127.0.0.1:$PORT and a request builds from its
own host when that host is in ALLOWED_HOSTS. `make run` sets SITE_URL from
PORT. The QR codes, e-mails, canonical and Open Graph links all use it: here
on a live server on a random (non-default) port, with the QR decoded."""

import io
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import zxingcpp
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import reverse
from PIL import Image

from brands.models import Role
from storefront.core.urls import absolute_url, normalise_site_url
from storefront.links import services
from storefront.orders.emails import order_link
from tests.factories import grant, make_brand, make_product, make_user

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = "http://127.0.0.1:8000"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://shop.example.cn", "https://shop.example.cn"),
        ("https://shop.example.cn/", "https://shop.example.cn"),
        ("  http://127.0.0.1:18800/  ", "http://127.0.0.1:18800"),
        ("HTTP://Shop.Example.cn:8443", "http://Shop.Example.cn:8443"),
    ],
)
def test_site_url_keeps_scheme_host_and_port_without_the_trailing_slash(given, kept):
    assert normalise_site_url(given) == kept


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("https://shop.example.cn/shop", "cannot have a path"),
        ("https://shop.example.cn/shop/", "cannot have a path"),
        ("https://shop.example.cn/?a=1", "cannot have a path"),
        ("shop.example.cn", "must be http(s)://host[:port]"),
        ("ftp://shop.example.cn", "must be http(s)://host[:port]"),
        ("", "must be http(s)://host[:port]"),
        ("http://shop.example.cn:99999", "bad port"),
    ],
)
def test_a_site_url_with_a_path_or_no_host_is_refused_clearly(given, says):
    with pytest.raises(ImproperlyConfigured) as refused:
        normalise_site_url(given)
    assert says in str(refused.value)
    assert "SITE_URL" in str(refused.value)


def settings_in_a_fresh_process(**env) -> subprocess.CompletedProcess:
    """Start Django as manage.py would, with `env`, and print SITE_URL."""
    environ = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")}
    environ.update(env, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SITE_URL, settings.SITE_URL_DEFAULT)",
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_startup_refuses_a_site_url_with_a_path():
    started = settings_in_a_fresh_process(SITE_URL="https://shop.example.cn/shop/")
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "SITE_URL cannot have a path" in started.stderr


def test_startup_drops_a_trailing_slash_and_an_explicit_site_url_wins():
    started = settings_in_a_fresh_process(
        SITE_URL="http://127.0.0.1:18800/", PORT="9999"
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["http://127.0.0.1:18800", "None"]


def test_without_site_url_the_default_follows_port():
    started = settings_in_a_fresh_process(PORT="18800")
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["http://127.0.0.1:18800"] * 2


def test_make_run_sets_site_url_from_port():
    dry = subprocess.run(
        ["make", "-n", "run", "PORT=18800"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert 'SITE_URL="${SITE_URL:-http://127.0.0.1:18800}"' in dry.stdout


# --- which host, in a request and outside one -------------------------------------


def test_an_explicit_site_url_wins_over_the_request(settings):
    settings.SITE_URL = "https://shop.example.cn"
    settings.SITE_URL_DEFAULT = None
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:18800")
    settings.ALLOWED_HOSTS = ["127.0.0.1"]

    assert absolute_url("/l/abc", request) == "https://shop.example.cn/l/abc"
    assert absolute_url("/l/abc") == "https://shop.example.cn/l/abc"


def test_unset_site_url_builds_from_an_allowed_request_host(settings):
    settings.SITE_URL = settings.SITE_URL_DEFAULT = DEFAULT
    settings.ALLOWED_HOSTS = ["127.0.0.1", "shop.example.cn"]
    factory = RequestFactory()

    allowed = factory.get("/", HTTP_HOST="127.0.0.1:18800")
    assert absolute_url("/l/abc", allowed) == "http://127.0.0.1:18800/l/abc"
    secure = factory.get("/", HTTP_HOST="shop.example.cn", secure=True)
    assert absolute_url("/l/abc", secure) == "https://shop.example.cn/l/abc"
    # A Host header not in ALLOWED_HOSTS never makes a link.
    forged = factory.get("/", HTTP_HOST="evil.example.com")
    assert absolute_url("/l/abc", forged) == f"{DEFAULT}/l/abc"
    # Outside a request (e-mails, tasks): SITE_URL's default.
    assert absolute_url("/l/abc") == f"{DEFAULT}/l/abc"


def test_absolute_urls_are_kept_and_paths_get_their_slash(settings):
    settings.SITE_URL, settings.SITE_URL_DEFAULT = "https://shop.example.cn", None
    assert (
        absolute_url("https://cdn.example.cn/a.jpg") == "https://cdn.example.cn/a.jpg"
    )
    assert absolute_url("//cdn.example.cn/a.jpg") == "https://cdn.example.cn/a.jpg"
    assert absolute_url("media/a.jpg") == "https://shop.example.cn/media/a.jpg"


@pytest.mark.django_db
def test_emails_never_take_the_request_host(settings):
    """An order e-mail's link is SITE_URL's even when a request is around:
    order_link takes no request at all."""
    settings.SITE_URL, settings.SITE_URL_DEFAULT = "https://shop.example.cn", None

    class Order:
        token = "0b7f3d2e-4a59-4c1e-9f57-0d1c2b3a4f5e"

    assert order_link(Order()) == (f"https://shop.example.cn/orders/{Order.token}/")


# --- on a live server on a random port ----------------------------------------------


def open_url(url: str, *, cookie: str = "", follow: bool = True, agent: str = ""):
    """GET through a real socket; returns (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    handlers = [] if follow else [NoRedirect()]
    opener = urllib.request.build_opener(*handlers)
    headers = {"Cookie": cookie, "User-Agent": agent or PHONE}
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def shop(transactional_db):
    brand = make_brand()
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    product = make_product(brand=brand, name="东门虾皮")
    link = services.host_link_create(user=host, target="product", product=product)
    client = Client()
    client.force_login(host)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return link, product, cookie


@pytest.mark.parametrize("site_url_set", [False, True], ids=["unset", "set"])
def test_on_a_random_port_the_qr_canonical_and_og_links_carry_that_port(
    live_server, settings, shop, site_url_set
):
    """SITE_URL unset (the request's host, allowed) or set to the server's
    URL with a trailing slash: the QR a host downloads decodes to this
    server's /l/<code>, which redirects; the product page's canonical and
    og:url are on this port too."""
    link, product, cookie = shop
    assert not live_server.url.endswith(":8000")
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    if site_url_set:
        settings.SITE_URL = normalise_site_url(live_server.url + "/")
        settings.SITE_URL_DEFAULT = None
    else:
        settings.SITE_URL = settings.SITE_URL_DEFAULT = DEFAULT

    qr_path = reverse("links:qr", args=[link.pk, "png"])
    status, headers, png = open_url(live_server.url + qr_path, cookie=cookie)
    assert status == 200 and headers["Content-Type"] == "image/png"
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert found == [f"{live_server.url}/l/{link.code}"]

    status, headers, _ = open_url(found[0], follow=False, agent=PHONE)
    assert status == 302
    assert headers["Location"].startswith(f"/products/{product.slug}/")

    status, _, page = open_url(
        live_server.url + reverse("web:product", args=[product.slug])
    )
    html = page.decode()
    expected = f"{live_server.url}/products/{product.slug}/"
    assert status == 200
    assert f'<link rel="canonical" href="{expected}">' in html
    assert re.search(rf'property="og:url" content="{re.escape(expected)}"', html)


@pytest.mark.django_db
def test_a_password_reset_link_never_takes_the_request_host(
    settings, client, django_capture_on_commit_callbacks
):
    """Even with SITE_URL unset (requests build from their host), the
    e-mailed reset link is SITE_URL's: a Host header cannot steer it."""
    settings.SITE_URL = settings.SITE_URL_DEFAULT = "http://127.0.0.1:18800"
    user = make_user(email="reset@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:password-reset"), {"email": user.email})
    assert response.status_code == 302
    body = mail.outbox[-1].body
    assert "http://127.0.0.1:18800/accounts/password/reset/key/" in body
    assert "testserver" not in body
