"""Drafts, one-time tokens and edit versions, below any page."""

import datetime
import uuid

import pytest
from django import forms
from django.conf import settings
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from accounts.middleware import SEEN_AT
from accounts.services import user_deactivate
from accounts.tests.factories import CoordinatorFactory, ManagerFactory, VolunteerUserFactory
from formpages import drafts, tokens
from formpages.models import Draft, SubmitToken


class NotesForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea)
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    attachment = forms.FileField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def post(user, path="/circles/1/meetings/2/minutes/", **data):
    request = RequestFactory().post(path, data, HTTP_X_COSA_DRAFT="save")
    request.user = user
    return request


def get(user, path="/circles/1/meetings/2/minutes/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


@pytest.mark.django_db
def test_a_draft_keeps_what_was_typed_and_nothing_else():
    user = VolunteerUserFactory()
    request = post(user, summary="Met at the library.", kind="b", secret="hunter2", version="4")
    draft = drafts.save(request, NotesForm(request.POST))
    assert draft.data == {"summary": "Met at the library.", "kind": "b"}
    assert draft.expires_at > timezone.now() + datetime.timedelta(days=settings.COSA_DRAFT_DAYS - 1)


@pytest.mark.django_db
def test_a_draft_is_restored_only_to_its_author_and_only_on_its_page():
    author, other = VolunteerUserFactory(), VolunteerUserFactory()
    request = post(author, summary="Half a sentence")
    drafts.save(request, NotesForm(request.POST))
    assert drafts.restore(get(other), NotesForm()) is None
    assert drafts.restore(get(author, "/circles/1/meetings/3/minutes/"), NotesForm()) is None
    form = NotesForm()
    assert drafts.restore(get(author), form) is not None
    assert form["summary"].value() == "Half a sentence"


@pytest.mark.django_db
def test_saving_again_replaces_the_draft_not_adds_one():
    user = VolunteerUserFactory()
    for text in ("One", "One two", "One two three"):
        request = post(user, summary=text)
        drafts.save(request, NotesForm(request.POST))
    assert Draft.objects.get().data["summary"] == "One two three"


@pytest.mark.django_db
def test_an_expired_draft_is_not_restored_and_is_purged():
    user = VolunteerUserFactory()
    request = post(user, summary="Old")
    drafts.save(request, NotesForm(request.POST))
    Draft.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert drafts.restore(get(user), NotesForm()) is None
    assert drafts.purge_expired() == 1
    assert not Draft.objects.exists()


@pytest.mark.django_db
def test_an_oversized_draft_is_refused():
    user = VolunteerUserFactory()
    request = post(user, summary="x" * (drafts.MAX_CHARS + 1))
    with pytest.raises(drafts.DraftTooLarge):
        drafts.save(request, NotesForm(request.POST))
    assert not Draft.objects.exists()


@pytest.mark.django_db
def test_purge_needs_a_scope_and_keeps_other_authors_drafts():
    one, two = VolunteerUserFactory(), VolunteerUserFactory()
    for user in (one, two):
        request = post(user, summary="text")
        Draft.objects.create(
            author=user,
            path=request.path,
            data={"summary": "t"},
            circle_ref=7,
            core_member_ref=3,
            expires_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert drafts.purge() == 0
    assert drafts.purge(author=one, circle_id=7) == 1
    assert list(Draft.objects.values_list("author", flat=True)) == [two.pk]
    assert drafts.purge(core_member_id=3) == 1


@pytest.mark.django_db
def test_deactivating_the_author_deletes_their_drafts():
    volunteer = VolunteerUserFactory()
    Draft.objects.create(
        author=volunteer,
        path="/x/",
        data={},
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    user_deactivate(user=volunteer, acting_user=ManagerFactory())
    assert not Draft.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_token_spent_once_refuses_a_second_post_with_the_first_result():
    user = CoordinatorFactory()
    token = uuid.uuid4()
    request = post(user, _once=token.hex)
    with transaction.atomic():
        spent = tokens.spend(request, tokens.posted(request))
        tokens.record_result(spent, "/circles/5/")
    with pytest.raises(tokens.AlreadySent) as repeat, transaction.atomic():
        tokens.spend(request, tokens.posted(request))
    assert repeat.value.result_url == "/circles/5/"
    assert SubmitToken.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_gives_the_token_back():
    user = CoordinatorFactory()
    request = post(user, _once=uuid.uuid4().hex)
    with pytest.raises(ValueError), transaction.atomic():
        tokens.spend(request, tokens.posted(request))
        raise ValueError("the service refused")
    with transaction.atomic():
        assert tokens.spend(request, tokens.posted(request)) is not None


@pytest.mark.django_db(transaction=True)
def test_a_token_is_spent_only_inside_the_write_transaction():
    request = post(CoordinatorFactory(), _once=uuid.uuid4().hex)
    assert tokens.posted(post(CoordinatorFactory(), _once="not-a-token")) is None
    with pytest.raises(RuntimeError):
        tokens.spend(request, tokens.posted(request))
    assert not SubmitToken.objects.exists()


@pytest.mark.django_db
def test_old_tokens_are_purged():
    user = CoordinatorFactory()
    SubmitToken.objects.create(
        user=user, path="/a/", created_at=timezone.now() - datetime.timedelta(days=3)
    )
    SubmitToken.objects.create(user=user, path="/b/")
    assert tokens.purge_old() == 1
    assert list(SubmitToken.objects.values_list("path", flat=True)) == ["/b/"]


@pytest.mark.django_db
def test_autosave_requests_do_not_keep_a_session_alive(client):
    client.force_login(CoordinatorFactory())
    client.get("/circles/")
    session = client.session
    session[SEEN_AT] -= 600
    session.save()
    before = client.session[SEEN_AT]
    assert client.get("/circles/", HTTP_X_COSA_DRAFT="save").status_code == 200
    assert client.session[SEEN_AT] == before
    client.get("/circles/")
    assert client.session[SEEN_AT] > before


@pytest.mark.django_db
def test_the_login_page_says_why_and_with_the_configured_minutes(client, settings):
    settings.SESSION_IDLE_SECONDS = 20 * 60
    client.force_login(CoordinatorFactory())
    client.get("/circles/")
    session = client.session
    session[SEEN_AT] -= 20 * 60 + 1
    session.save()
    response = client.get("/circles/3/", follow=True)
    assert response.redirect_chain[0][0] == "/login/?next=%2Fcircles%2F3%2F&reason=idle"
    page = response.content.decode()
    assert "logged out after 20 idle minutes" in page
    assert "kept as a draft" in page
    assert 'name="next" value="/circles/3/"' in page


@pytest.mark.django_db
def test_the_pages_timer_landing_on_login_keeps_where_the_user_was(client):
    client.force_login(CoordinatorFactory())
    client.get("/circles/")
    session = client.session
    session[SEEN_AT] -= settings.SESSION_IDLE_SECONDS + 3
    session.save()
    response = client.get("/login/?reason=idle&next=/circles/3/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fcircles%2F3%2F&reason=idle"


@pytest.mark.django_db
def test_an_autosave_after_the_idle_limit_gets_the_login_address_not_a_page(client):
    client.force_login(CoordinatorFactory())
    client.get("/circles/")
    session = client.session
    session[SEEN_AT] -= settings.SESSION_IDLE_SECONDS + 3
    session.save()
    response = client.post("/circles/3/", {}, HTTP_X_COSA_DRAFT="save")
    assert response.status_code == 401
    assert response.json()["login"] == "/login/?next=%2Fcircles%2F3%2F&reason=idle"
