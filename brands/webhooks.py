"""Which WeCom (企业微信) group-robot webhook URLs a workshop may set.

The shop POSTs each new paid parcel to this URL from its own servers, so the
URL decides where the server connects: in production only WeCom's robot
endpoint (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…), never an
address inside our network. With `WECOM_ALLOW_ANY_HOST` (on by default when
DEBUG) any https URL is allowed, and http to this machine (localhost,
127.0.0.1, ::1) for a local stand-in in development and tests.
"""

from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

WECOM_HOST = "qyapi.weixin.qq.com"
WECOM_PATH = "/cgi-bin/webhook/send"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def wecom_webhook_url_problem(url: str) -> str | None:
    """Why `url` may not be used as a workshop's WeCom robot webhook, in
    Chinese and English; None when it may."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        return (
            f"不是有效的网址，应为 https://{WECOM_HOST}{WECOM_PATH}?key=… "
            f"(not a valid URL; expected https://{WECOM_HOST}{WECOM_PATH}?key=…)"
        )
    if parts.username or parts.password:
        return (
            "网址不能包含用户名或密码 (the URL may not carry a user name or password)"
        )
    allow_any = getattr(settings, "WECOM_ALLOW_ANY_HOST", False)
    if parts.scheme == "http" and not (allow_any and host in LOOPBACK_HOSTS):
        return "企业微信机器人网址必须以 https:// 开头 (the WeCom robot URL must use https://)"
    if allow_any:
        return None
    if host != WECOM_HOST or parts.port not in (None, 443):
        return (
            f"只接受企业微信群机器人的网址（{WECOM_HOST}） "
            f"(only WeCom group-robot URLs on {WECOM_HOST} are accepted)"
        )
    if parts.path != WECOM_PATH or not parse_qs(parts.query).get("key"):
        return (
            f"网址应为 https://{WECOM_HOST}{WECOM_PATH}?key=…，请从群机器人设置中复制 "
            f"(expected https://{WECOM_HOST}{WECOM_PATH}?key=…, as copied from the "
            "group robot's settings)"
        )
    return None


def validate_wecom_webhook_url(url: str) -> None:
    """A form validator: an empty value is left to the field's `blank`."""
    if url:
        problem = wecom_webhook_url_problem(url)
        if problem:
            raise ValidationError(problem, code="wecom_webhook_url")
