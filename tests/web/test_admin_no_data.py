"""The administrator has no data (issue 8, point 6).

Administrators manage accounts, roles and settings. In the admin they see no
signal (address, category, description), no story or intervention text and
no audit row; they cannot give themselves — or another admin account — a
role that opens data: that needs a privacy officer's approval (four eyes);
and every admin page about a record is audited.
"""

from __future__ import annotations

import pytest
from django import forms
from django.contrib import admin
from django.test import Client

from veerkracht.web.accounts import grants
from veerkracht.web.accounts.models import RoleGrant, UserProfile
from veerkracht.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

#: Field names that hold data the administrator must not see.
DATA_FIELDS = {
    "description", "contact_email", "address_id", "location_label", "straat",
    "entrance_id", "building_id", "block_id", "street_id", "x", "y", "text",
    "body", "object_id", "actor", "place_id",
}


def test_no_data_model_is_registered_in_the_admin():
    from veerkracht.web.signals.models import Signal, StatusChange
    from veerkracht.web.stories.models import Intervention, Story

    registered = set(admin.site._registry)
    for model in (Signal, StatusChange, Story, Intervention, AuditEntry):
        assert model not in registered, model
    for model, model_admin in admin.site._registry.items():
        names = {f.name for f in model._meta.get_fields()}
        shown = names - set(model_admin.get_exclude(None) or ())
        assert not shown & DATA_FIELDS, (model, shown & DATA_FIELDS)


@pytest.fixture
def admin_client(users):
    admin_user = users["administrator"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    c = Client()
    c.force_login(admin_user)
    return c


def _a_signal():
    from veerkracht.web.signals.models import Signal, Team

    team = Team.objects.create(name="Zorgteam Noord")
    return Signal.objects.create(
        reference="VK-2026-ABCDEFGH", category="care_worry", source="resident",
        location_kind="address", location_label="Bosweg 3, 9900 AA Proefdorp",
        address_id="9900AA-3", straat="Bosweg", entrance_id="9900AA-3",
        buurtcode="BU99990101", x=1.0, y=2.0,
        description="Mevrouw Visser doet niet open", team=team,
    )


def test_crawling_the_whole_admin_shows_no_signal_or_story(admin_client, users):
    signal = _a_signal()
    from veerkracht.web.stories.models import Story

    fields = {f.name for f in Story._meta.get_fields()}
    story = {"level": "buurt", "place_id": "BU99990101", "title": "Buurtfeest",
             "kind": "observation", "author": "user:x"}
    if "text" in fields:
        story["text"] = "Familie De Vries heeft ruzie"
    Story.objects.create(**{k: v for k, v in story.items() if k in fields})
    pages = ["/beheer/"]
    for model in admin.site._registry:
        base = f"/beheer/{model._meta.app_label}/{model._meta.model_name}/"
        pages.append(base)
        for pk in model.objects.values_list("pk", flat=True)[:5]:
            pages.append(f"{base}{pk}/change/")
    gone = ["/beheer/signals/signal/", "/beheer/stories/story/",
            "/beheer/audit/auditentry/", f"/beheer/signals/signal/{signal.pk}/change/"]
    for url in gone:
        assert admin_client.get(url).status_code == 404
    for url in pages:
        body = admin_client.get(url).content.decode()
        # (area assignments are settings and may name blocks; the signal's own
        # address, text and category may appear nowhere)
        for secret in (signal.reference, "Bosweg 3", "Visser", "De Vries",
                       "Buurtfeest"):
            assert secret not in body, (url, secret)


def test_every_admin_page_about_a_record_is_audited(admin_client, users):
    target = users["resident"]
    before = AuditEntry.objects.count()
    admin_client.get("/beheer/auth/user/")
    admin_client.get(f"/beheer/auth/user/{target.pk}/change/")
    admin_client.get("/beheer/accounts/organisation/?q=Jansen")
    rows = list(AuditEntry.objects.filter(seq__gt=before, action="admin_view")
                .values_list("object_level", "object_id", "purpose"))
    assert ("admin", "auth.user", "admin") in rows
    assert ("admin", f"auth.user:{target.pk}", "admin") in rows
    assert ("admin", "accounts.organisation", "admin") in rows
    assert not AuditEntry.objects.filter(object_id__icontains="jansen").exists()


def _post_data(response) -> dict:
    """What the admin's change form would post back unchanged."""
    data: dict = {}

    def put(form, name, field):
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field, forms.SplitDateTimeField):
            if value:
                data[f"{key}_0"], data[f"{key}_1"] = (
                    value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S"))
        elif isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        elif value is not None:
            data[key] = str(value)

    form = response.context["adminform"].form
    for name, field in form.fields.items():
        if not field.disabled:
            put(form, name, field)
    for inline in response.context["inline_admin_formsets"]:
        fs = inline.formset
        for name in fs.management_form.fields:
            data[f"{fs.prefix}-{name}"] = fs.management_form[name].value()
        for f in fs.forms:
            for name, field in f.fields.items():
                put(f, name, field)
    return data


def _set_role(client, user, role, org=None):
    url = f"/beheer/auth/user/{user.pk}/change/"
    data = _post_data(client.get(url))
    data["profile-0-role"] = role
    if org is not None:
        data["profile-0-organisation"] = str(org.pk)
    return client.post(url, data)


def test_an_administrator_cannot_give_itself_a_data_role(admin_client, users):
    me = users["administrator"]
    r = _set_role(admin_client, me, "frontline")
    assert r.status_code in (200, 302)
    me.refresh_from_db()
    assert UserProfile.objects.get(user=me).role == "administrator"
    assert not RoleGrant.objects.filter(user=me, status=RoleGrant.PENDING).exists()


def test_a_data_role_waits_for_a_second_person(admin_client, users):
    target = users["resident"]
    org = users["frontline"].profile.organisation
    r = _set_role(admin_client, target, "frontline", org)
    assert r.status_code == 302
    assert UserProfile.objects.get(user=target).role == "resident"  # not yet
    grant = RoleGrant.objects.get(user=target, status=RoleGrant.PENDING)
    assert grant.role == "frontline" and grant.organisation == org
    # the administrator has no approve permission; the target cannot approve
    with pytest.raises(grants.GrantRefused):
        grants.approve(grant, users["administrator"])
    # the privacy officer approves on the page
    officer = Client()
    officer.force_login(users["privacy"])
    page = officer.get("/rollen/").content.decode()
    assert target.get_username() in page
    assert officer.post("/rollen/", {"grant": grant.pk,
                                     "decision": "approve"}).status_code == 302
    profile = UserProfile.objects.get(user=target)
    assert (profile.role, profile.organisation) == ("frontline", org)
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    for step in ("role_grant_request", "role_grant_approve", "role_change"):
        assert step in actions
    assert AuditEntry.objects.filter(action="admin_change").exists()


def test_nobody_approves_their_own_grant(users, make_user):
    officer = users["privacy"]
    second_officer = make_user("privacy", username="tweede-privacy")
    grant = grants.request_grant(users["resident"], "policy",
                                 requested_by=officer)
    with pytest.raises(grants.GrantRefused, match="tweede persoon"):
        grants.approve(grant, officer)  # asked it: cannot approve it
    mine = grants.request_grant(officer, "frontline", requested_by=second_officer)
    with pytest.raises(grants.GrantRefused, match="tweede persoon"):
        grants.approve(mine, officer)  # is for them: cannot approve it
    grants.approve(grant, second_officer)
    assert UserProfile.objects.get(user=users["resident"]).role == "policy"


def test_an_admin_account_cannot_hold_a_data_role(admin_client, users, make_user):
    second_admin = make_user("administrator", username="tweede-beheerder")
    second_admin.is_staff = True
    second_admin.save()
    with pytest.raises(grants.GrantRefused, match="beheeraccount"):
        grants.request_grant(second_admin, "frontline",
                             requested_by=users["administrator"])
    # and a data user cannot be given access to the admin
    data_user = users["frontline"]
    url = f"/beheer/auth/user/{data_user.pk}/change/"
    data = _post_data(admin_client.get(url))
    data["is_staff"] = "on"
    r = admin_client.post(url, data)
    assert r.status_code == 200 and "geen toegang tot het beheer" in r.content.decode()
    data_user.refresh_from_db()
    assert not data_user.is_staff


def test_a_web_request_cannot_bypass_the_grant(users, rf):
    from django.core.exceptions import PermissionDenied

    profile = users["resident"].profile
    profile.role = "policy"
    profile._audit_request = rf.get("/beheer/")
    with pytest.raises(PermissionDenied):
        profile.save()
    assert UserProfile.objects.get(pk=profile.pk).role == "resident"


def test_role_pages_are_closed_to_everybody_but_the_privacy_officer(users):
    for role in ("administrator", "frontline", "resident", "policy"):
        c = Client()
        c.force_login(users[role])
        assert c.get("/rollen/").status_code == 403


def test_no_password_reset_of_a_data_account_from_the_admin(admin_client, users):
    """Setting a data user's password would hand the administrator its data."""
    data_user = users["frontline"]
    url = f"/beheer/auth/user/{data_user.pk}/password/"
    assert admin_client.get(url).status_code == 403
    r = admin_client.post(url, {"password1": "een-nieuw-wachtwoord-42",
                                "password2": "een-nieuw-wachtwoord-42"})
    assert r.status_code == 403
    data_user.refresh_from_db()
    assert data_user.check_password("test-wachtwoord-123")
    # an account without data can still be helped
    resident = users["resident"]
    assert admin_client.get(f"/beheer/auth/user/{resident.pk}/password/"
                            ).status_code == 200
