"""Crawlers and link-preview fetchers get the Open Graph preview of a host
link, and are neither counted nor credited; people in chat apps are not
mistaken for them."""

import re

import pytest

from brands.models import Role
from storefront.catalog import services as catalog_services
from storefront.catalog.models import Product
from storefront.links.attribution import COOKIE, SESSION_KEY
from storefront.links.bots import is_bot
from storefront.links.clicks import clicks_flush, link_clicks_pending
from storefront.links.codes import new_code
from storefront.links.models import HostLink, LinkDailyStat, LinkTarget
from tests.factories import grant, make_brand, make_product, make_user, png_bytes

BOTS = {
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "google-inspection": "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X) "
    "AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 "
    "(compatible; Google-InspectionTool/1.0;)",
    "bingbot": "Mozilla/5.0 (compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm)",
    "baidu": "Mozilla/5.0 (compatible; Baiduspider/2.0; "
    "+http://www.baidu.com/search/spider.html)",
    "yandex": "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "sogou": "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
    "bytespider": "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; "
    "spider-feedback@bytedance.com)",
    "facebook": "facebookexternalhit/1.1 "
    "(+http://www.facebook.com/externalhit_uatext.php)",
    "imessage": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 "
    "(KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 "
    "Facebot Twitterbot/1.0",
    "twitter": "Twitterbot/1.0",
    "slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "discord": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "telegram": "TelegramBot (like TwitterBot)",
    "whatsapp": "WhatsApp/2.23.20.0 A",
    "linkedin": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient "
    "+http://www.linkedin.com)",
    "applebot": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; "
    "+http://www.apple.com/go/applebot)",
    "pinterest": "Pinterest/0.2 (+https://www.pinterest.com/bot.html)",
    "skype": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "generic-crawler": "SomeCompanyCrawler/3.1",
    "curl": "curl/8.5.0",
    "python": "python-requests/2.32.3",
    "empty": "",
    "blank": "   ",
}

PEOPLE = {
    "wechat": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "MicroMessenger/8.0.49(0x18003133) NetType/WIFI Language/zh_CN",
    "wechat-android": "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; "
    "wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 "
    "Mobile Safari/537.36 XWEB/1110005 MMWEBSDK/20231002 MMWEBID/2585 "
    "MicroMessenger/8.0.43.2480(0x28002B51) WeChat/arm64 Weixin NetType/5G "
    "Language/zh_CN ABI/arm64",
    "qq": "Mozilla/5.0 (Linux; U; Android 12; zh-cn; PEHM00 Build/SKQ1.210216.001) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109.0 "
    "MQQBrowser/14.2 Mobile Safari/537.36 QQ/9.0.0.14110",
    "douyin": "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 aweme_27.0.0 "
    "JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/zh Region/CN",
    "weibo": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Weibo "
    "(iPhone15,2__weibo__13.9.1__iphone__os17.0)",
    "facebook-app": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "[FBAN/FBIOS;FBAV/442.0.0.40.106;FBBV/550000000]",
    "instagram": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0",
    "safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 "
    "Safari/604.1",
    "cubot-phone": "Mozilla/5.0 (Linux; Android 11; CUBOT X30 Build/RP1A.200720.011) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0 Mobile Safari/537.36",
    "headless-chrome": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
}


@pytest.mark.parametrize("agent", BOTS.values(), ids=BOTS.keys())
def test_crawlers_and_preview_fetchers_are_bots(agent):
    assert is_bot(agent)


@pytest.mark.parametrize("agent", PEOPLE.values(), ids=PEOPLE.keys())
def test_phone_browsers_and_in_app_browsers_are_people(agent):
    assert not is_bot(agent)


def test_a_missing_user_agent_is_a_bot():
    assert is_bot(None)


@pytest.fixture
def link(db):
    brand = make_brand(story="<p>海岛渔村的<strong>好物</strong></p>")
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    product = make_product(
        brand=brand,
        name="东海带鱼",
        variants=((3980, 5), (5980, 5)),
        seo_description="舟山渔场 当天捕捞",
    )
    catalog_services.product_image_add(product=product, data=png_bytes(), alt="带鱼")
    return HostLink.objects.create(
        code=new_code(),
        host=host,
        brand=brand,
        target=LinkTarget.PRODUCT,
        product=product,
        utm_source="wechat",
    )


def og(html: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="(og:[a-z:]+)" content="([^"]*)"', html))


@pytest.fixture(autouse=True)
def _site_url_unset(settings):
    """SITE_URL left at its default, as when it is not set: absolute URLs
    come from the request's allowed host (the test client's "testserver")."""
    settings.SITE_URL = settings.SITE_URL_DEFAULT = "http://127.0.0.1:8000"


@pytest.mark.parametrize("name", ["facebook", "whatsapp", "telegram", "empty"])
def test_a_bot_gets_the_open_graph_preview_and_is_not_counted(client, link, name):
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=BOTS[name])

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    tags = og(html)
    assert tags["og:title"] == "东海带鱼"
    assert tags["og:description"] == "舟山渔场 当天捕捞"
    assert tags["og:type"] == "product"
    # The card leads back through the short link, so a tap on it is credited.
    assert tags["og:url"] == f"http://testserver/l/{link.code}"
    assert tags["og:image"].startswith("http://testserver/media/")
    assert '<meta property="product:price:amount" content="39.80">' in html
    assert f'href="/products/{link.product.slug}/?utm_source=wechat"' in html
    assert COOKIE not in response.cookies
    assert SESSION_KEY not in client.session
    clicks_flush()
    link.refresh_from_db()
    assert link.clicks == 0
    assert link_clicks_pending(link.pk) == 0
    assert not LinkDailyStat.objects.filter(link=link).exists()


def test_a_person_after_a_bot_is_still_counted(client, link):
    client.get(f"/l/{link.code}", HTTP_USER_AGENT=BOTS["slack"])
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=PEOPLE["wechat"])

    assert response.status_code == 302
    clicks_flush()
    link.refresh_from_db()
    assert link.clicks == 1


def test_the_preview_of_a_brand_link_shows_the_brand(client, link):
    link.target, link.product = LinkTarget.BRAND, None
    link.save()

    tags = og(client.get(f"/l/{link.code}", HTTP_USER_AGENT=BOTS["twitter"]).text)

    assert tags["og:title"] == link.brand.name
    assert tags["og:description"] == "海岛渔村的好物"
    assert tags["og:type"] == "website"


def test_the_preview_of_an_unpublished_product_does_not_name_it(client, link):
    Product.objects.filter(pk=link.product_id).update(is_published=False)

    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=BOTS["facebook"])

    assert response.status_code == 200
    assert "东海带鱼" not in response.text
    assert og(response.text)["og:title"] == link.brand.name


def test_a_bot_asking_for_an_unknown_code_gets_404(client, db):
    response = client.get("/l/" + new_code(), HTTP_USER_AGENT=BOTS["googlebot"])
    assert response.status_code == 404


def test_the_preview_of_a_live_session_link_shows_the_session(client, link):
    from datetime import timedelta

    from django.utils import timezone

    from storefront.links.models import LiveSession

    now = timezone.now()
    session = LiveSession.objects.create(
        host=link.host,
        brand=link.brand,
        title="今晚开海直播",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
        pinned_product=link.product,
    )
    link.target, link.product, link.live_session = (
        LinkTarget.LIVE_SESSION,
        None,
        session,
    )
    link.save()

    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=BOTS["whatsapp"])

    tags = og(response.text)
    assert tags["og:title"].startswith("今晚开海直播 · ")
    # The pinned product's photo stands for the session.
    assert tags["og:image"].startswith("http://testserver/media/")
    assert f'href="/live/{session.pk}/?utm_source=wechat"' in response.text
