"""Which requests for /l/<code> come from a crawler or a link-preview fetcher
rather than a person tapping the link.

Such requests get the Open Graph preview page (200) instead of the redirect,
and are neither counted nor attributed. The rules, and why:

- Named fetchers of the apps hosts share links in: search engines (Googlebot
  and Google's other fetchers, bingbot, Baiduspider, YandexBot, Sogou, 360,
  Bytespider, PetalBot, Applebot, DuckDuckBot), chat and social previews
  (facebookexternalhit/Facebot/meta-externalagent, Twitterbot, Slackbot,
  Discordbot, TelegramBot, WhatsApp, LinkedInBot, Pinterestbot,
  SkypeUriPreview; iMessage presents itself as facebookexternalhit).
- Generic words no phone browser puts in its user agent: bot, crawler,
  spider, slurp, preview, fetcher, scraper, plus HTTP libraries and command
  line tools (curl, wget, python-requests, Go's client, …).
- An empty user agent: every phone browser sends one; scripts do not.

Deliberately NOT bots, because people tap links inside them: WeChat
(MicroMessenger), QQ and MQQBrowser, Weibo, Douyin/Bytedance webviews,
Facebook's and Instagram's in-app browsers (FBAN/FBAV, Instagram),
LinkedInApp, and headless Chrome (automated tests drive it like a visitor).
WeChat and QQ build their previews inside the app, so they have no fetcher
user agent to recognise. "Cubot" (a phone maker) contains "bot" and is kept.
"""

import re

_NAMED = (
    r"googlebot|adsbot-google|mediapartners-google|google-inspectiontool"
    r"|googleother|feedfetcher-google|google-read-aloud|bingbot|bingpreview"
    r"|baiduspider|yandex(?:bot|images|mobilebot)|sogou|360spider|haosouspider"
    r"|bytespider|petalbot|applebot|duckduckbot|yisouspider"
    r"|facebookexternalhit|facebot|meta-externalagent|twitterbot|slackbot"
    r"|slack-imgproxy|discordbot|telegrambot|whatsapp|linkedinbot"
    r"|pinterestbot|pinterest/0\.|skypeuripreview|redditbot|embedly|vkshare"
    r"|iframely|quora link preview|outbrain|w3c_validator"
)
_GENERIC = r"(?<!cu)bot\b|crawl|spider|slurp|preview|fetcher|scraper"
_TOOLS = (
    r"^(?:curl|wget|python-requests|python-urllib|python-httpx|aiohttp"
    r"|go-http-client|libwww-perl|java/|okhttp|axios|node-fetch|undici"
    r"|httpie|scrapy|apache-httpclient|http_request)"
)
_BOT = re.compile(f"{_NAMED}|{_GENERIC}|{_TOOLS}", re.IGNORECASE)


def is_bot(user_agent: str | None) -> bool:
    """Whether a request with this User-Agent is a crawler or preview fetcher."""
    agent = (user_agent or "").strip()
    if not agent:
        return True
    return _BOT.search(agent[:512]) is not None
