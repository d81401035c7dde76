"""Logins: passwords are stored hashed; five wrong passwords for one user name lock it out for a while (even the
right password then fails, with a message in Chinese and English); a session idle past its age ends; a
login that belongs to no institution sees nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.utils import timezone

from riskpool.accounts.models import Membership
from riskpool.registry import services as registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    inst = registry.register_institution("kz-bureau", "财政局", "finance_bureau")
    u = User.objects.create_user("bureau", password="right-password-1")
    Membership.objects.create(user=u, institution=inst)
    return u


def test_the_password_is_stored_hashed(user):
    assert "right-password-1" not in user.password and user.password.startswith(("pbkdf2_", "argon2", "bcrypt"))


def test_repeated_wrong_passwords_lock_the_login_out(client, user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        page = client.post("/login/", {"username": "bureau", "password": "wrong"})
        assert page.status_code == 200 and "用户名或密码不正确" in page.content.decode()
    locked = client.post("/login/", {"username": "bureau", "password": "wrong"})
    assert locked.status_code == 429
    again = client.post("/login/", {"username": "bureau", "password": "right-password-1"})
    assert again.status_code == 429
    text = again.content.decode()
    assert "登录失败次数过多" in text and "locked" in text
    assert "_auth_user_id" not in client.session


def test_an_idle_session_ends(client, user):
    assert client.post("/login/", {"username": "bureau", "password": "right-password-1"}).status_code == 302
    assert client.get("/").status_code == 200
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE <= 3600
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))  # idle past its age
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_login_of_no_institution_sees_nothing(client):
    User.objects.create_user("nobody", password="right-password-1")
    assert client.post("/login/", {"username": "nobody", "password": "right-password-1"}).status_code == 302
    assert client.get("/").status_code == 403
    assert client.get("/loans/").status_code == 403
