"""Hostile input on every form and POST endpoint, with Hypothesis.

For each URL pattern that some actor may POST to (read from the permission matrix),
an actor allowed to post sends generated data: the form's own field names (read
from its page) filled with script, HTML and SQL meta-characters, control
characters, huge and empty values. Nothing may answer 500, and a request that is
refused (any answer but a redirect after success) must write nothing.
"""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cosa.tests.matrix_rows import MATRIX
from cosa.tests.matrix_support import LOGGED_OUT

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE accounts_user; --",
    "' OR '1'='1",
    "{{ 7*7 }}{% debug %}",
    '=HYPERLINK("http://evil.example")',
    "../../etc/passwd",
    "\x00\x07\x1b[31m",
    "\u202e\u200b\ufeff",
    "😀" * 50,
    "-1",
    "99999999999999999999",
    "2026-02-30",
    "on",
    "",
]
# Writes a refused request may still make: reading is logged, a 2FA setup page makes
# an unconfirmed device, sessions and login-attempt bookkeeping.
IGNORED_MODELS = {
    "accounts.accesslog",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "otp_static.statictoken",
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}
# Preferred actor for each POST endpoint: the first one the matrix lets post.
PREFERENCE = ("owner", "manager", "volunteer_in_circle", "liaison_assigned", "anonymous")
REFUSED = {403, 404, 405}
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.IGNORECASE)


def _post_targets():
    targets = []
    for name, (kwargs_for, table) in sorted(MATRIX.items()):
        for actor in PREFERENCE:
            _get, post = table[actor]
            if post not in REFUSED and not (actor in LOGGED_OUT and post == 302):
                targets.append((name, kwargs_for, actor, table[actor][0]))
                break
    return targets


TARGETS = _post_targets()


def _counts():
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in IGNORED_MODELS and not model._meta.proxy
    }


text_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=200),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.just("x" * 20_000),
)


def test_every_post_endpoint_is_fuzzed():
    names = {name for name, *_ in TARGETS}
    assert len(names) >= 40, sorted(names)


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("name,kwargs_for,actor,get_status", TARGETS, ids=[t[0] for t in TARGETS])
def test_hostile_posts_never_fail_or_write_partially(world, name, kwargs_for, actor, get_status):
    url = reverse(name, kwargs=kwargs_for(world))
    client = Client()
    if actor != "anonymous":
        from conftest import TwoFactorClient

        client = TwoFactorClient()
        client.force_login(world.users[actor])
    fields = []
    if get_status == 200:
        page = client.get(url)
        fields = sorted(set(FIELD.findall(page.content.decode())) - {"csrfmiddlewaretoken"})

    @hypothesis_settings(
        max_examples=6,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        values=st.fixed_dictionaries(
            dict.fromkeys(fields, text_values),
            optional={"unexpected_field": text_values},
        )
    )
    def attempt(values):
        with transaction.atomic():
            before = _counts()
            response = client.post(url, values)
            assert response.status_code < 500, (name, values, response.status_code)
            if response.status_code not in (301, 302, 303):
                after = _counts()
                changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                assert not changed, (name, response.status_code, changed)
            transaction.set_rollback(True)

    attempt()


@pytest.mark.django_db
def test_markup_in_a_concern_is_stored_as_typed_and_shown_escaped(client, world):
    from circles import services as circle_services
    from circles.models import Concern

    circle = world.objects["circle"]
    payload = "<script>alert('x')</script> & '; DROP TABLE x; --"
    concern = circle_services.concern_raise(
        circle=circle,
        acting_user=world.users["volunteer_in_circle"],
        category=Concern.Category.RISK_BEHAVIOUR,
        severity=Concern.Severity.AMBER,
        description=payload,
    )
    concern.refresh_from_db()
    assert concern.description == payload
    client.force_login(world.users["owner"])
    url = reverse("circles:concern_detail", kwargs={"pk": circle.pk, "concern_pk": concern.pk})
    html = client.get(url).content.decode()
    assert "<script>alert('x')</script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_an_oversized_request_is_refused_with_400(client, world):
    client.force_login(world.users["owner"])
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    url = reverse("core_members:referral_create")
    response = client.post(url, {"reason": huge})
    assert response.status_code == 400
