"""Flash messages are kept in the session on the server, never in a cookie of their own.

A message can name a person or a record; Django's default storage would put it in a
``messages`` cookie that anything holding the browser's cookies can read.
"""

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.tests.factories import DEMO_PASSWORD, CoordinatorFactory

pytestmark = pytest.mark.django_db


def test_a_message_after_a_post_is_shown_without_a_messages_cookie():
    user = CoordinatorFactory()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    device.token_set.create(token="lastcode")  # noqa: S106 - a test backup code
    browser = Client()
    browser.post("/login/", {"username": user.email, "password": DEMO_PASSWORD})

    # The last backup code: the view leaves a warning for the next page.
    response = browser.post("/login/two-factor/", {"code": "lastcode"})

    assert response.status_code == 302
    assert "messages" not in response.cookies
    page = browser.get(response["Location"], follow=True)
    assert "last backup code" in page.content.decode()
    assert "messages" not in browser.cookies
