"""JWTs for API clients: tokenCreate / tokenRefresh / tokenVerify /
tokensDeactivateAll, and the GraphQL view's `Authorization: Bearer` header.

A token signs the request in as its user; an expired, tampered, revoked or
refresh token is refused with a GraphQL error naming the reason (never a
500); a password change or tokensDeactivateAll revokes every earlier token;
failed tokenCreate attempts count towards the login lockout (django-axes)
and answer alike for an unknown address and a wrong password."""

import base64
import json
from datetime import timedelta

import jwt as pyjwt
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from storefront.accounts.models import Profile
from tests.factories import make_product, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "海边的村子-2026-good"
EMAIL = "xiaoming@example.cn"

TOKEN_CREATE = """
mutation ($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) {
    token refreshToken csrfToken
    user { id email }
    errors { field code message }
    accountErrors { field code message }
  }
}
"""
ME = "{ me { id email firstName isConfirmed } }"


@pytest.fixture
def shopper():
    user = make_user(EMAIL, email=EMAIL)
    user.set_password(PASSWORD)
    user.save()
    Profile.objects.create(user=user)
    return user


@pytest.fixture
def api(client):
    """POST a GraphQL query, with `token` as the bearer token if given."""

    def run(query, variables=None, *, token=None, status=200):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **extra,
        )
        assert response.status_code == status, response.content
        return response.json()

    return run


def create_tokens(api, email=EMAIL, password=PASSWORD) -> dict:
    body = api(TOKEN_CREATE, {"email": email, "password": password})
    return body["data"]["tokenCreate"]


def refused_code(body) -> str:
    [error] = body["errors"]
    zh, _, en = error["message"].partition(" / ")
    assert zh and en, error
    return error["extensions"]["code"]


def test_token_create_gives_tokens_that_sign_the_request_in(api, shopper):
    payload = create_tokens(api)

    assert payload["errors"] == [] and payload["accountErrors"] == []
    assert payload["user"]["email"] == EMAIL
    assert payload["csrfToken"]
    claims = pyjwt.decode(payload["token"], options={"verify_signature": False})
    assert claims["type"] == "access"
    assert claims["email"] == EMAIL
    assert base64.b64decode(claims["user_id"]).decode() == f"User:{shopper.pk}"
    assert claims["exp"] - claims["iat"] == settings.JWT_ACCESS_TTL == 300
    refresh = pyjwt.decode(payload["refreshToken"], options={"verify_signature": False})
    assert refresh["type"] == "refresh"
    assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600

    me = api(ME, token=payload["token"])["data"]["me"]
    assert me["email"] == EMAIL
    assert me["id"] == payload["user"]["id"]
    assert api(ME)["data"]["me"] is None  # the token, not a cookie, signed in


def test_tokens_are_signed_rs256_with_the_key_published_as_jwks(client, api, shopper):
    token = create_tokens(api)["token"]

    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    [jwk] = response.json()["keys"]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert "d" not in jwk and "p" not in jwk  # the public half only
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == jwk["kid"]
    public_key = pyjwt.PyJWK(jwk).key
    claims = pyjwt.decode(token, public_key, algorithms=["RS256"], issuer="gongfu-shop")
    assert claims["email"] == EMAIL
    # Not the old scheme: nothing derived from SECRET_KEY verifies it.
    with pytest.raises(pyjwt.InvalidAlgorithmError):
        pyjwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])


def _claims(token) -> dict:
    return pyjwt.decode(token, options={"verify_signature": False})


def test_a_token_signed_with_another_rsa_key_is_refused(api, shopper):
    from tests.conftest import new_rsa_private_key_pem

    claims = _claims(create_tokens(api)["token"])
    foreign = pyjwt.encode(claims, new_rsa_private_key_pem(), algorithm="RS256")

    assert refused_code(api(ME, token=foreign, status=401)) == "JWT_INVALID_TOKEN"


def test_an_hs256_token_of_the_old_scheme_is_refused(api, shopper):
    """Signed as tokens were before RS256 (HS256 with a key derived from
    SECRET_KEY), with every claim of a valid token: refused."""
    from django.utils.crypto import salted_hmac

    claims = _claims(create_tokens(api)["token"])
    old_key = salted_hmac(
        "storefront.accounts.jwt.signing-key", "HS256", algorithm="sha256"
    ).hexdigest()
    old = pyjwt.encode(claims, old_key, algorithm="HS256")

    assert refused_code(api(ME, token=old, status=401)) == "JWT_INVALID_TOKEN"
    verify = api(
        "mutation ($t: String!) { tokenVerify(token: $t) { isValid errors { code } } }",
        {"t": old},
    )["data"]["tokenVerify"]
    assert verify == {"isValid": False, "errors": [{"code": "JWT_INVALID_TOKEN"}]}


def test_a_token_of_a_deleted_account_is_refused(api, shopper):
    """accountDelete anonymises the account: its tokens stop working, and so
    do those of an account removed outright."""
    from storefront.accounts.services import account_anonymise

    token = create_tokens(api)["token"]
    assert api(ME, token=token)["data"]["me"]["email"] == EMAIL
    account_anonymise(user=shopper)
    assert refused_code(api(ME, token=token, status=401)) == "JWT_INVALID_TOKEN"

    other = make_user("gone@example.cn", email="gone@example.cn")
    other.set_password(PASSWORD)
    other.save()
    gone = create_tokens(api, email="gone@example.cn")["token"]
    other.delete()
    assert refused_code(api(ME, token=gone, status=401)) == "JWT_INVALID_TOKEN"


def test_without_a_key_and_debug_off_signing_fails_clearly(settings, shopper):
    from django.core.exceptions import ImproperlyConfigured

    from storefront.accounts import jwt as account_jwt
    from storefront.accounts.checks import jwt_private_key_check

    settings.JWT_PRIVATE_KEY = ""
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="JWT_PRIVATE_KEY"):
        account_jwt.create_access_token(shopper)
    assert [error.id for error in jwt_private_key_check()] == ["accounts.E001"]
    settings.JWT_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n"
    assert [error.id for error in jwt_private_key_check()] == ["accounts.E001"]


def test_without_a_key_in_debug_a_key_is_made_in_memory(settings, shopper, caplog):
    from storefront.accounts import jwt as account_jwt

    settings.JWT_PRIVATE_KEY = ""
    settings.DEBUG = True
    account_jwt._loaded.pop("generated", None)  # as in a fresh process
    with caplog.at_level("WARNING", logger="storefront.accounts.jwt"):
        token = account_jwt.create_access_token(shopper)
    assert "JWT_PRIVATE_KEY is not set" in caplog.text
    assert account_jwt.user_of(token) == shopper
    assert pyjwt.get_unverified_header(token)["alg"] == "RS256"


def test_wrong_password_and_unknown_address_answer_alike(api, shopper):
    wrong = create_tokens(api, password="not the password")
    unknown = create_tokens(api, email="nobody@example.cn")

    for payload in (wrong, unknown):
        assert payload["token"] is None and payload["user"] is None
        [error] = payload["errors"]
        assert error["code"] == "INVALID_CREDENTIALS"
        assert error["field"] == "email"
        assert payload["accountErrors"] == payload["errors"]
    assert wrong["errors"] == unknown["errors"]


def test_repeated_failures_lock_the_account_even_for_the_right_password(api, shopper):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert create_tokens(api, password="guess")["errors"][0]["code"] in {
            "INVALID_CREDENTIALS",
            "LOGIN_ATTEMPT_DELAYED",
        }

    locked = create_tokens(api)

    assert locked["token"] is None
    assert [e["code"] for e in locked["errors"]] == ["LOGIN_ATTEMPT_DELAYED"]


def test_refresh_gives_a_new_access_token(api, shopper):
    tokens = create_tokens(api)
    body = api(
        """mutation ($r: String, $c: String) { tokenRefresh(refreshToken: $r,
        csrfToken: $c) { token user { email } errors { field code } } }""",
        {"r": tokens["refreshToken"], "c": tokens["csrfToken"]},
    )
    payload = body["data"]["tokenRefresh"]
    assert payload["errors"] == []
    assert payload["user"]["email"] == EMAIL
    assert api(ME, token=payload["token"])["data"]["me"]["email"] == EMAIL


def test_refresh_refuses_an_access_token_a_wrong_csrf_token_and_nothing(api, shopper):
    tokens = create_tokens(api)
    query = """mutation ($r: String, $c: String) { tokenRefresh(refreshToken: $r,
        csrfToken: $c) { token errors { field code } } }"""

    access = api(query, {"r": tokens["token"]})["data"]["tokenRefresh"]
    csrf = api(query, {"r": tokens["refreshToken"], "c": "forged"})
    missing = api(query)["data"]["tokenRefresh"]

    assert access["token"] is None
    assert access["errors"] == [{"field": "refreshToken", "code": "JWT_INVALID_TOKEN"}]
    assert csrf["data"]["tokenRefresh"]["errors"] == [
        {"field": "csrfToken", "code": "JWT_INVALID_CSRF_TOKEN"}
    ]
    assert missing["errors"] == [{"field": "refreshToken", "code": "JWT_MISSING_TOKEN"}]


def test_a_refresh_token_is_not_an_access_token(api, shopper):
    tokens = create_tokens(api)
    body = api(ME, token=tokens["refreshToken"], status=401)
    assert refused_code(body) == "JWT_INVALID_TOKEN"


def test_an_expired_token_is_refused_with_its_reason(api, shopper, time_machine):
    tokens = create_tokens(api)
    time_machine.move_to(timezone.now() + timedelta(minutes=6))

    body = api(ME, token=tokens["token"], status=401)

    assert refused_code(body) == "JWT_SIGNATURE_EXPIRED"
    verify = api(
        """mutation ($t: String!) { tokenVerify(token: $t) {
        isValid payload user { email } errors { field code } } }""",
        {"t": tokens["token"]},
    )["data"]["tokenVerify"]
    assert verify["isValid"] is False and verify["user"] is None
    assert verify["errors"] == [{"field": "token", "code": "JWT_SIGNATURE_EXPIRED"}]


def test_a_tampered_token_is_refused(api, shopper):
    other = make_user("other@example.cn", email="other@example.cn")
    token = create_tokens(api)["token"]
    header, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["user_id"] = base64.b64encode(f"User:{other.pk}".encode()).decode()
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    forged = f"{header}.{forged_body.decode()}.{signature}"

    assert refused_code(api(ME, token=forged, status=401)) == "JWT_INVALID_TOKEN"
    assert refused_code(api(ME, token="garbage", status=401)) == "JWT_INVALID_TOKEN"
    # A token signed with a key of the attacker's choosing.
    foreign = pyjwt.encode(claims, "guessed-" * 8, algorithm="HS256")
    assert refused_code(api(ME, token=foreign, status=401)) == "JWT_INVALID_TOKEN"


def test_token_verify_answers_the_payload_of_a_valid_token(api, shopper):
    token = create_tokens(api)["token"]
    verify = api(
        """mutation ($t: String!) { tokenVerify(token: $t) {
        isValid payload user { email } errors { code } } }""",
        {"t": token},
    )["data"]["tokenVerify"]
    assert verify["isValid"] is True
    assert verify["payload"]["email"] == EMAIL
    assert verify["payload"]["type"] == "access"
    assert verify["user"]["email"] == EMAIL


def test_a_password_change_revokes_earlier_tokens(api, shopper):
    tokens = create_tokens(api)
    change = api(
        """mutation ($old: String, $new: String!) { passwordChange(
        oldPassword: $old, newPassword: $new) { user { email } errors { code } } }""",
        {"old": PASSWORD, "new": "另一个村子-2027-good"},
        token=tokens["token"],
    )["data"]["passwordChange"]
    assert change["errors"] == []

    assert refused_code(api(ME, token=tokens["token"], status=401)) == (
        "JWT_INVALID_TOKEN"
    )
    refresh = api(
        "mutation ($r: String) { tokenRefresh(refreshToken: $r) { token "
        "errors { code } } }",
        {"r": tokens["refreshToken"]},
    )["data"]["tokenRefresh"]
    assert refresh["token"] is None
    assert refresh["errors"] == [{"code": "JWT_INVALID_TOKEN"}]
    new = create_tokens(api, password="另一个村子-2027-good")
    assert api(ME, token=new["token"])["data"]["me"]["email"] == EMAIL


def test_tokens_deactivate_all_revokes_every_token_of_the_account(api, shopper):
    first, second = create_tokens(api), create_tokens(api)
    body = api(
        "mutation { tokensDeactivateAll { errors { code } } }", token=first["token"]
    )
    assert body["data"]["tokensDeactivateAll"]["errors"] == []

    for tokens in (first, second):
        assert refused_code(api(ME, token=tokens["token"], status=401)) == (
            "JWT_INVALID_TOKEN"
        )
    fresh = create_tokens(api)
    assert api(ME, token=fresh["token"])["data"]["me"]["email"] == EMAIL


def test_tokens_deactivate_all_needs_a_signed_in_account(api):
    body = api("mutation { tokensDeactivateAll { errors { code } } }")
    assert body["data"]["tokensDeactivateAll"] is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_a_deactivated_account_token_stops_working(api, shopper):
    token = create_tokens(api)["token"]
    shopper.is_active = False
    shopper.save()
    assert refused_code(api(ME, token=token, status=401)) == "JWT_INVALID_TOKEN"


def test_bearer_requests_are_never_served_from_the_catalogue_cache(
    api, client, shopper
):
    make_product(name="蚂蚁岛虾皮")
    query = json.dumps({"query": "{ products(first: 5) { totalCount } }"})
    token = create_tokens(api)["token"]
    anonymous = client.post("/graphql/", data=query, content_type="application/json")
    assert anonymous["X-Page-Cache"] == "miss"

    bearer = client.post(
        "/graphql/",
        data=query,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert bearer.status_code == 200
    assert "X-Page-Cache" not in bearer
    assert bearer.json()["data"]["products"]["totalCount"] == 1


def test_a_bearer_multipart_request_needs_no_csrf_token(api, shopper):
    """A bearer token is no cookie: a cross-site form cannot send one, so the
    multipart CSRF rule (for cookie sessions) does not apply to it."""
    token = create_tokens(api)["token"]
    strict = Client(enforce_csrf_checks=True)
    form = {"operations": json.dumps({"query": "{ me { email } }"}), "map": "{}"}

    with_token = strict.post(
        "/graphql/", data=form, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    strict.force_login(shopper)
    cookie_only = strict.post("/graphql/", data=form)

    assert with_token.status_code == 200, with_token.content
    assert with_token.json() == {"data": {"me": {"email": EMAIL}}}
    assert cookie_only.status_code == 403
    assert cookie_only.json()["errors"][0]["extensions"]["code"] == "csrf_failed"
