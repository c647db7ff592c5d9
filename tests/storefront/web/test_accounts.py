"""Signing in and out with the storefront's own pages."""

import pytest
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_login_page_renders_in_chinese(client):
    response = client.get(reverse("web:login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>登录</h1>" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert '<label for="id_username">' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_login_with_a_real_user_then_logout(client):
    user = make_user("wangfang")

    response = client.post(
        reverse("web:login"), {"username": "wangfang", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    html = client.get(reverse("web:home")).content.decode()
    assert "已登录：wangfang" in html
    assert f'action="{reverse("web:logout")}" method="post"' in html
    assert int(client.session["_auth_user_id"]) == user.pk

    response = client.post(reverse("web:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert "_auth_user_id" not in client.session
    assert ">登录</a>" in client.get(reverse("web:home")).content.decode()


def test_login_follows_a_safe_next(client, shop):
    make_user("lihua")
    target = reverse("web:product", args=[shop.product.slug])

    response = client.post(
        reverse("web:login") + f"?next={target}",
        {"username": "lihua", "password": PASSWORD, "next": target},
    )

    assert response["Location"] == target


def test_wrong_password_shows_an_error(client):
    make_user("zhaolei")

    response = client.post(
        reverse("web:login"), {"username": "zhaolei", "password": "wrong"}
    )

    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()


def test_logout_by_get_is_refused(client):
    client.force_login(make_user())

    response = client.get(reverse("web:logout"))

    assert response.status_code == 405


def test_signed_in_user_on_login_page_goes_home(client):
    client.force_login(make_user())
    login = reverse("web:login")

    for url in (login, f"{login}?next={login}", f"{login}?next=https://evil.example/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("web:home")


def test_login_ignores_an_offsite_next(client):
    make_user("chenjing")

    response = client.post(
        reverse("web:login"),
        {"username": "chenjing", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("web:home")
