"""The professionals' work list: assignment, priority, age, duplicates merged,
reopening, the link to the place profile, and status names in words.

Each feature is tried by its handler and refused to everyone else: a
professional of another area, a resident, a policy adviser, a request
without its CSRF token.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time
from tests.web.cityfixture import BUURTEN, WIJK
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures
from tests.web.test_signals_fixtures import PASSWORD, make_professional

from veerkracht.web.audit.models import AuditEntry
from veerkracht.web.signals import services, workflow
from veerkracht.web.signals.models import Signal, StatusChange, Team

pytestmark = pytest.mark.django_db


def _create(category="noise", email="melder@example.org", text="vrije tekst",
            **loc) -> Signal:
    loc = loc or {"postcode": "9900AA", "huisnummer": 3}
    return services.create_signal(
        category=category, location=services.resolve_location(**loc),
        description=text, contact_email=email,
    ).signal


def _colleague(of, username: str, *, level="wijk", code=WIJK, role="frontline"):
    """Another professional of the same organisation as ``of``."""
    from django.contrib.auth import get_user_model

    from veerkracht.web.accounts.models import AreaAssignment, Organisation, UserProfile

    org = of.profile.organisation if of is not None else Organisation.objects.create(
        name=f"Org {username}", kind="welfare")
    if code:
        AreaAssignment.objects.get_or_create(organisation=org, level=level, code=code)
    user = get_user_model().objects.create_user(username, password=PASSWORD,
                                                first_name="Anna", last_name="Bakker")
    UserProfile.objects.create(user=user, role=role, organisation=org)
    return user


def _team_of(user, name="Wijkteam Centrum") -> Team:
    return Team.objects.create(name=name, organisation=user.profile.organisation)


def _audit(action):
    return list(AuditEntry.objects.filter(action=action)
                .values_list("object_id", "purpose", "result"))


def _refs(html: str) -> list[str]:
    """References in the work list's table, in order (each row links once
    in its first cell)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr><td data-label="[^"]*"><div><a href="[^"]+">'
                      r"(VK-\d{4}-[A-Z2-9]{8})</a>", body)


def _row(html: str, reference: str) -> str:
    """The work list's table row of one signal."""
    body = html.split("<tbody>", 1)[1]
    return body.split(f">{reference}</a></div></td>", 1)[1].split("</tr>", 1)[0]


# -- statuses: one definition, in words everywhere ----------------------------------
def test_every_status_has_one_label_and_explanation():
    assert set(workflow.STATUSES) == set(workflow.STATUS_EXPLANATION)
    assert set(workflow.STATUSES) == workflow.OPEN | workflow.FINAL
    assert workflow.MERGED in workflow.FINAL
    for code in workflow.STATUSES:
        assert workflow.status_label(code) != code


def test_no_template_prints_a_status_code():
    """Templates show ``status_label`` (or a label made in Python), never a raw
    ``status``/``to_status``/``from_status`` field."""
    from pathlib import Path

    import veerkracht.web

    raw = re.compile(r"\{\{\s*(?!form\.)\w+\.(status|to_status|from_status)\s*[|}]")
    offenders = []
    for path in Path(veerkracht.web.__file__).parent.rglob("*.html"):
        for m in raw.finditer(path.read_text(encoding="utf-8")):
            offenders.append((path.name, m.group(0)))
    assert not offenders, offenders


def test_history_api_and_email_show_status_names(
    client, city, professional, django_capture_on_commit_callbacks
):
    signal = _create()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(signal, "in_behandeling", user=professional)
    assert mail.outbox[-1].subject.endswith(": In behandeling")
    assert "is nu: In behandeling" in mail.outbox[-1].body
    client.force_login(professional)
    html = client.get(reverse("signals:detail", args=[signal.reference])).content
    history = html.decode().split('data-testid="history"', 1)[1]
    assert "Nieuw → In behandeling" in history
    assert "in_behandeling" not in history and ">new<" not in history
    assert "Professional in de wijk" in history  # the role in words, too
    api = client.get(f"/api/signals/{signal.reference}").json()
    assert api["status"] == "in_behandeling" and api["status_label"] == "In behandeling"
    # in English, the same definition, translated
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    api = client.get(f"/api/signals/{signal.reference}").json()
    assert api["status_label"] == "In progress"
    html = client.get(reverse("signals:detail", args=[signal.reference])).content
    assert "New → In progress" in html.decode()


# -- assignment ------------------------------------------------------------------
def test_assign_to_team_and_colleague_and_filter(client, city, professional):
    colleague = _colleague(professional, "collega")
    team = _team_of(professional)
    mine, theirs, nobody = _create(), _create("neglect"), _create("unsafety")
    client.force_login(professional)
    r = client.post(reverse("signals:assign", args=[mine.reference]),
                    {"team": team.pk, "assignee": professional.pk})
    assert r.status_code == 302
    client.post(reverse("signals:assign", args=[theirs.reference]),
                {"team": team.pk, "assignee": colleague.pk})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.team == team and mine.assigned_to == professional
    assert theirs.assigned_to == colleague

    url = reverse("signals:worklist")
    assert _refs(client.get(url, {"toewijzing": "mij"}).content.decode()) == [
        mine.reference]
    assert set(_refs(client.get(url, {"toewijzing": "team"}).content.decode())) == {
        mine.reference, theirs.reference}
    assert _refs(client.get(url, {"toewijzing": "niemand"}).content.decode()) == [
        nobody.reference]
    page = client.get(url).content.decode()
    assert "Anna Bakker" in page and "Wijkteam Centrum" in page

    # recorded in the history (with the person's name for the team) and audited
    h = mine.history.get(kind=StatusChange.ASSIGN)
    assert h.team == team and h.assignee == professional
    html = client.get(reverse("signals:detail", args=[theirs.reference])).content
    assert "Toegewezen aan Wijkteam Centrum, Anna Bakker" in html.decode()
    assert (mine.reference, "assign_person", "ok") in _audit("signal_assign")
    # ... and the audit row names nobody
    assert "Bakker" not in repr(list(AuditEntry.objects.values_list()))
    # the same assignment again changes nothing and adds no history
    client.post(reverse("signals:assign", args=[mine.reference]),
                {"team": team.pk, "assignee": professional.pk})
    assert mine.history.filter(kind=StatusChange.ASSIGN).count() == 1
    # to the team only: nobody in particular
    client.post(reverse("signals:assign", args=[mine.reference]),
                {"team": team.pk, "assignee": ""})
    mine.refresh_from_db()
    assert mine.assigned_to is None


def test_assignment_refused_to_someone_who_cannot_see_it(client, city, professional,
                                                         outsider):
    """A member of the team's organisation whose areas do not hold the signal,
    or a professional of another organisation, is not offered and is refused
    when posted (areas belong to an organisation, so colleagues share them)."""
    far = _colleague(None, "verweg", level="buurt", code=BUURTEN[1])
    signal = _create()  # in buurt 1
    signal.team = _team_of(far, "Buurtteam Havenkwartier")
    signal.save()
    client.force_login(professional)
    page = client.get(reverse("signals:detail", args=[signal.reference])).content
    assert "Anna Bakker" not in page.decode()  # not offered
    for person in (far, outsider):
        r = client.post(reverse("signals:assign", args=[signal.reference]),
                        {"team": signal.team_id, "assignee": person.pk})
        assert r.status_code == 400
    signal.refresh_from_db()
    assert signal.assigned_to is None
    assert not signal.history.filter(kind=StatusChange.ASSIGN).exists()
    with pytest.raises(services.Refused):
        services.assign(signal, assignee=outsider, user=professional)


@pytest.mark.parametrize("action,data", [
    ("signals:assign", {"team": 1}),
    ("signals:priority", {"priority": "high"}),
    ("signals:merge", {"main": "VK-2026-AAAAAAAA", "expected_status": "new"}),
    ("signals:reopen", {"reason": "terug", "expected_status": "afgehandeld"}),
])
def test_every_action_is_refused_outside_the_area_and_to_others(
    client, city, professional, outsider, action, data
):
    from django.contrib.auth import get_user_model

    from veerkracht.web.accounts.models import UserProfile

    signal = _create()
    url = reverse(action, args=[signal.reference])
    # not logged in: to the login page
    assert client.post(url, data).status_code == 302
    # another area: 403, audited as refused, nothing changed
    client.force_login(outsider)
    assert client.post(url, data).status_code == 403
    assert (signal.reference, "", "refused") in _audit("signal_view")
    # a resident and a policy adviser: 403
    for role in ("resident", "policy"):
        user = get_user_model().objects.create_user(f"u-{role}", password=PASSWORD)
        UserProfile.objects.create(user=user, role=role)
        client.force_login(user)
        assert client.post(url, data).status_code == 403
    # the handler, with GET: not allowed (changes are POSTs)
    client.force_login(professional)
    assert client.get(url).status_code == 405
    # a POST without the CSRF token is refused
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(professional)
    assert strict.post(url, data).status_code == 403
    before = Signal.objects.get(pk=signal.pk)
    assert (before.status, before.priority, before.assigned_to_id) == (
        "new", "normal", None)
    assert list(before.history.values_list("kind", flat=True)) == ["status"]


def test_services_refuse_a_user_outside_the_area(city, professional, outsider):
    signal = _create()
    other = _create("neglect")
    for call in (
        lambda: services.set_priority(signal, "high", user=outsider),
        lambda: services.assign(signal, user=outsider),
        lambda: services.merge(signal, other, user=outsider),
    ):
        with pytest.raises(PermissionError):
            call()


# -- priority ----------------------------------------------------------------------
def test_priority_set_sorted_filtered_and_recorded(client, city, professional):
    low, high, normal = _create(), _create("neglect"), _create("unsafety")
    client.force_login(professional)
    assert client.post(reverse("signals:priority", args=[high.reference]),
                       {"priority": "high"}).status_code == 302
    client.post(reverse("signals:priority", args=[low.reference]), {"priority": "low"})
    assert client.post(reverse("signals:priority", args=[low.reference]),
                       {"priority": "dringend"}).status_code == 400
    low.refresh_from_db()
    assert low.priority == "low"
    url = reverse("signals:worklist")
    assert _refs(client.get(url, {"sortering": "prioriteit"}).content.decode()) == [
        high.reference, normal.reference, low.reference]
    assert _refs(client.get(url, {"prioriteit": "high"}).content.decode()) == [
        high.reference]
    assert high.history.get(kind=StatusChange.PRIORITY).priority == "high"
    assert (high.reference, "high", "ok") in _audit("signal_priority")
    html = client.get(reverse("signals:detail", args=[high.reference])).content
    assert "Prioriteit: Hoog" in html.decode()


# -- age ------------------------------------------------------------------------------
def test_age_in_days_sorted_and_the_oldest_open_shown(client, city, professional):
    with freeze_time("2026-03-01 10:00"):
        old = _create()
    with freeze_time("2026-03-08 09:00"):
        closed_old = _create("neglect")
    with freeze_time("2026-03-09 10:00"):
        services.transition(closed_old, "geannuleerd", user=professional)
    with freeze_time("2026-03-10 10:00"):
        fresh = _create("unsafety")
    with freeze_time("2026-03-11 12:00"):
        client.force_login(professional)
        url = reverse("signals:worklist")
        page = client.get(url).content.decode()
        assert _refs(page) == [fresh.reference, old.reference]  # newest first
        assert "10 dagen" in page and "1 dag<" in page
        oldest = page.split('data-testid="oldest"', 1)[1].split("</p>", 1)[0]
        assert "10 dagen" in oldest and old.reference in oldest
        assert _refs(client.get(url, {"sortering": "oud"}).content.decode()) == [
            old.reference, fresh.reference]
        # a closed signal's age stops at its closing
        everything = client.get(url, {"status": "alle"}).content.decode()
        row = _row(everything, closed_old.reference)
        assert ">1 dag<" in row
        assert Signal.objects.get(pk=closed_old.pk).age_days() == 1


def test_unknown_filter_values_fall_back_to_the_default(client, city, professional):
    signal = _create()
    client.force_login(professional)
    r = client.get(reverse("signals:worklist"), {
        "status": "<script>", "toewijzing": "iedereen'", "sortering": "drop",
        "prioriteit": "x", "category": "?"})
    assert r.status_code == 200 and signal.reference in r.content.decode()
    assert ("werkbak", "open", "ok") in _audit("signal_list")


# -- merging duplicates ----------------------------------------------------------------
def _pair(professional):
    main = _create(text="Tekst van de eerste melder", email="eerste@example.org")
    dup = _create(text="Mijn eigen tekst", email="tweede@example.org")
    services.transition(main, "in_behandeling", user=professional)
    return main, dup


def test_merge_closes_the_duplicate_under_the_main_signal(
    client, city, professional, django_capture_on_commit_callbacks
):
    main, dup = _pair(professional)
    client.force_login(professional)
    page = client.get(reverse("signals:detail", args=[dup.reference])).content.decode()
    assert "Samenvoegen als dubbele melding" in page and main.reference in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("signals:merge", args=[dup.reference]),
                        {"main": main.reference, "expected_status": "new",
                         "note": "zelfde portiek"})
    assert r.status_code == 302
    dup.refresh_from_db()
    assert dup.status == workflow.MERGED and dup.merged_into == main
    assert dup.closed_at is not None
    assert dup.history.get(kind=StatusChange.MERGE).related == main
    assert main.history.get(kind=StatusChange.MERGED_IN).related == dup
    assert {(dup.reference, "duplicate", "ok"), (main.reference, "main", "ok")} <= set(
        _audit("signal_merge"))
    main_page = client.get(reverse("signals:detail", args=[main.reference])).content
    assert dup.reference in main_page.decode()  # listed as merged into it
    # the duplicate's reporter was told, without the other report
    told = [m for m in mail.outbox if m.to == ["tweede@example.org"]][-1]
    assert "Samengevoegd met een andere melding" in told.subject
    assert main.reference not in told.body and "eerste" not in told.body
    # a merged duplicate is closed: no status form, no second merge
    assert services.merge_candidates(dup, professional) == []


def test_the_reporter_of_a_duplicate_sees_it_handled_under_the_other(
    client, city, professional, django_capture_on_commit_callbacks
):
    main, dup = _pair(professional)
    services.merge(dup, main, user=professional)
    anonymous = Client()
    follow = reverse("signals:follow", args=[dup.reference, dup.follow_token])
    html = anonymous.get(follow).content.decode()
    assert "Samengevoegd met een andere melding" in html
    assert 'data-testid="main-status">In behandeling<' in html
    for trace in (main.reference, "Tekst van de eerste melder", "eerste@example.org",
                  "Mijn eigen tekst", "9900AA", "Bosweg"):
        assert trace not in html
    api = anonymous.get(f"/api/signals/{dup.reference}/status",
                        {"token": dup.follow_token}).json()
    assert api["status"] == "samengevoegd"
    assert api["handled_under"] == {
        "status": "in_behandeling", "status_label": "In behandeling",
        "explanation": str(workflow.STATUS_EXPLANATION["in_behandeling"])}
    assert main.reference not in repr(api)
    # when the main signal is handled, the duplicate's reporter hears it too
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(main, "afgehandeld", user=professional)
    told = [m for m in mail.outbox if m.to == ["tweede@example.org"]]
    assert told and told[0].subject.endswith(": Afgehandeld")
    assert main.reference not in told[0].body
    assert "Afgehandeld" in anonymous.get(follow).content.decode()
    # ... and when it is reopened
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reopen(main, "toch niet opgelost", user=professional)
    assert [m.subject for m in mail.outbox if m.to == ["tweede@example.org"]] == [
        f"Uw melding {dup.reference}: In behandeling"]


def test_a_merged_duplicate_is_only_closed_to_the_public_in_open311(
    client, city, professional
):
    main, dup = _pair(professional)
    services.merge(dup, main, user=professional)
    row = Client().get(f"/open311/v2/requests/{dup.reference}.json").json()[0]
    assert row["status"] == "closed" and row["status_notes"] == "Gesloten"
    assert row["service_notice"] is None
    own = Client().get(f"/open311/v2/requests/{dup.reference}.json",
                       {"token": dup.follow_token}).json()[0]
    assert own["status_notes"] == "Samengevoegd met een andere melding"


def test_merge_refused_far_away_outside_the_area_or_into_a_duplicate(
    client, city, professional, outsider
):
    main, dup = _pair(professional)
    far = _create(postcode="9910AA", huisnummer=3)  # the other buurt
    client.force_login(professional)
    # not offered, and refused when posted anyway
    assert far not in services.merge_candidates(dup, professional)
    r = client.post(reverse("signals:merge", args=[dup.reference]),
                    {"main": far.reference, "expected_status": "new"})
    assert r.status_code == 400
    with pytest.raises(services.Refused, match="dezelfde plaats"):
        services.merge(dup, far, user=professional)
    with pytest.raises(services.Refused):
        services.merge(dup, dup, user=professional)
    # the other area's professional cannot merge signals they cannot see
    with pytest.raises(PermissionError):
        services.merge(dup, main, user=outsider)
    # a stale page: the duplicate moved on meanwhile
    services.transition(dup, "in_behandeling", user=professional)
    r = client.post(reverse("signals:merge", args=[dup.reference]),
                    {"main": main.reference, "expected_status": "new"})
    assert r.status_code == 409 and "intussen gewijzigd" in r.content.decode()
    # into a merged duplicate: refused; its duplicates move with it instead
    third = _create()
    services.merge(dup, main, user=professional)
    with pytest.raises(services.Refused, match="zelf al samengevoegd"):
        services.merge(third, dup, user=professional)
    services.merge(main, third, user=professional)
    dup.refresh_from_db()
    assert dup.merged_into == third  # one level: a main is never merged


def test_merged_duplicates_count_once(city, professional):
    """The profile's live counts and the workspace count one situation once."""
    from veerkracht.store import open_workspace

    ws = open_workspace(city)
    main, dup = _pair(professional)
    services.transition(dup, "in_behandeling", user=professional)
    assert services.sync_to_workspace(ws) == 2  # both went, before the merge
    counts = services.place_signal_counts("street", main.street_id, professional)
    assert counts["total"] == 2 and counts["open"] == 2
    services.merge(dup, main, user=professional)
    counts = services.place_signal_counts("street", main.street_id, professional)
    assert counts["total"] == 1 and counts["open"] == 1
    services.sync_to_workspace(ws)
    table = ws.read("signals")
    ids = set(table["signal_id"])
    assert main.reference in ids and dup.reference not in ids
    assert services.sync_to_workspace(ws) == 0  # idempotent
    assert len(ws.read("signals")) == len(table)
    # reopened, the duplicate is a signal of its own again
    services.reopen(dup, "toch een andere situatie", user=professional)
    assert services.sync_to_workspace(ws) == 1
    assert dup.reference in set(ws.read("signals")["signal_id"])
    counts = services.place_signal_counts("street", main.street_id, professional)
    assert counts["total"] == 2
    # clean up the shared workspace for the other tests
    with ws.transaction("test cleanup") as tx:
        t = ws.read("signals")
        tx.put("signals", t[~t["signal_id"].isin([main.reference, dup.reference])])


# -- reopening -----------------------------------------------------------------------
def test_reopen_a_closed_signal_with_a_reason(
    client, city, professional, django_capture_on_commit_callbacks
):
    signal = _create()
    services.transition(signal, "in_behandeling", user=professional)
    services.transition(signal, "afgehandeld", user=professional)
    client.force_login(professional)
    url = reverse("signals:reopen", args=[signal.reference])
    page = client.get(reverse("signals:detail", args=[signal.reference])).content
    assert "Heropenen" in page.decode()
    # a reason is required; nothing changes without one
    r = client.post(url, {"reason": "  ", "expected_status": "afgehandeld"})
    assert r.status_code == 400 and "Geef een reden" in r.content.decode()
    signal.refresh_from_db()
    assert signal.status == "afgehandeld"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, {"reason": "Het geluid is terug",
                              "expected_status": "afgehandeld"})
    assert r.status_code == 302
    signal.refresh_from_db()
    assert signal.status == "in_behandeling" and signal.closed_at is None
    row = signal.history.get(kind=StatusChange.REOPEN)
    assert (row.from_status, row.to_status, row.note) == (
        "afgehandeld", "in_behandeling", "Het geluid is terug")
    assert (signal.reference, "afgehandeld", "ok") in _audit("signal_reopen")
    html = client.get(reverse("signals:detail", args=[signal.reference])).content
    assert "Heropend (was: Afgehandeld)" in html.decode()
    assert mail.outbox[-1].subject.endswith(": In behandeling")
    # the reporter sees it reopened, not the reason
    follow = Client().get(reverse("signals:follow",
                                  args=[signal.reference, signal.follow_token]))
    assert "In behandeling (heropend)" in follow.content.decode()
    assert "Het geluid is terug" not in follow.content.decode()
    # an open signal cannot be reopened; a stale page is refused
    r = client.post(url, {"reason": "nog eens", "expected_status": "in_behandeling"})
    assert r.status_code == 409
    r = client.post(url, {"reason": "nog eens", "expected_status": "afgehandeld"})
    assert r.status_code == 409 and "intussen gewijzigd" in r.content.decode()


def test_a_duplicate_is_anonymised_with_its_main_signal(city, professional):
    """Its reporter hears of the main signal's progress until that is closed;
    the retention term then runs for both."""
    with freeze_time("2026-01-01 10:00"):
        main, dup = _pair(professional)
        services.merge(dup, main, user=professional)
    with freeze_time("2026-05-01 10:00"):  # 120 days on: main still open
        assert services.anonymise_expired(days=90) == 0
        services.transition(main, "afgehandeld", user=professional)
    with freeze_time("2026-06-01 10:00"):  # a month after: not yet
        assert services.anonymise_expired(days=90) == 0
    with freeze_time("2026-08-01 10:00"):
        assert services.anonymise_expired(days=90) == 2
    dup.refresh_from_db()
    assert dup.contact_email == "" and dup.description == ""


def test_reopened_signal_is_not_anonymised_by_its_old_closing(city, professional):
    with freeze_time("2026-01-01 10:00"):
        signal = _create()
        services.transition(signal, "geannuleerd", user=professional)
    with freeze_time("2026-03-01 10:00"):
        services.reopen(signal, "onterecht geannuleerd", user=professional)
    with freeze_time("2026-06-01 10:00"):
        assert services.anonymise_expired() == 0


# -- a link to the place profile -------------------------------------------------------
def test_each_signal_links_to_the_places_the_user_may_see(client, city, professional):
    portiek = _create(postcode="9900AA", huisnummer=7, toevoeging="3")  # 12 flats
    house = _create("neglect")  # 9900AA 3: a one-dwelling entrance
    client.force_login(professional)
    page = client.get(reverse("signals:worklist")).content.decode()
    row = _row(page, portiek.reference)
    assert f"/plaatsen/entrance/{portiek.entrance_id}/" in row
    row = _row(page, house.reference)
    assert "/plaatsen/entrance/" not in row and "/plaatsen/building/" not in row
    assert f"/plaatsen/street/{house.street_id}/" in row  # its finest shown place
    detail = client.get(reverse("signals:detail", args=[house.reference])).content
    links = re.findall(r'href="/plaatsen/(\w+)/', detail.decode())
    assert links == ["street", "buurt", "wijk", "gemeente"]
    assert client.get(f"/plaatsen/street/{house.street_id}/").status_code in (200, 404)


def test_a_corporation_links_only_to_its_own_blocks(client, city):
    """A corporation assigned one block sees the signal there and a link to
    the block and its entrance — never to the street or buurt it may not see."""
    corp = make_professional("corporatie", level="block", code="K-9900AA-7-1",
                             role="corporation", kind="corporation")
    signal = _create(postcode="9900AA", huisnummer=7, toevoeging="3")
    client.force_login(corp)
    detail = client.get(reverse("signals:detail", args=[signal.reference])).content
    links = re.findall(r'href="/plaatsen/(\w+)/', detail.decode())
    assert set(links) == {"entrance", "building", "block"}


# -- the API --------------------------------------------------------------------------
def test_api_assign_priority_merge_reopen(client, city, professional, outsider):
    main, dup = _pair(professional)
    team = _team_of(professional)
    client.force_login(professional)
    base = f"/api/signals/{dup.reference}"
    r = client.post(f"{base}/assign", {"team_id": team.pk,
                                        "assignee_id": professional.pk},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["assigned_to_me"] is True
    r = client.post(f"{base}/priority", {"priority": "high"},
                    content_type="application/json")
    assert r.json()["priority_label"] == "Hoog"
    listed = client.get("/api/signals/", {"assignment": "mij",
                                          "priority": "high"}).json()
    assert [s["reference"] for s in listed] == [dup.reference]
    r = client.post(f"{base}/transition", {"to_status": "samengevoegd"},
                    content_type="application/json")
    assert r.status_code == 409  # merging is its own step
    r = client.post(f"{base}/merge", {"main": main.reference},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["merged_into"] == main.reference
    r = client.post(f"{base}/reopen", {"reason": ""}, content_type="application/json")
    assert r.status_code == 422
    r = client.post(f"{base}/reopen", {"reason": "andere situatie"},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "in_behandeling"
    assert r.json()["merged_into"] is None
    # the reporter's API shows neither the assignment nor the priority
    status = Client().get(f"{base}/status", {"token": dup.follow_token}).json()
    assert [h["status"] for h in status["history"]] == [
        "new", "samengevoegd", "in_behandeling"]
    client.force_login(outsider)
    for path, body in (("assign", {}), ("priority", {"priority": "low"}),
                       ("merge", {"main": main.reference}),
                       ("reopen", {"reason": "x"})):
        r = client.post(f"{base}/{path}", body, content_type="application/json")
        assert r.status_code == 403, path


def test_the_history_is_still_append_only(city, professional):
    signal = _create()
    services.set_priority(signal, "high", user=professional)
    row = signal.history.get(kind=StatusChange.PRIORITY)
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        signal.history.all().delete()


def test_a_stale_status_form_keeps_working_after_a_merge(client, city, professional):
    """The status form of a page opened before the merge is refused, not a 500."""
    main, dup = _pair(professional)
    services.merge(dup, main, user=professional)
    client.force_login(professional)
    r = client.post(reverse("signals:detail", args=[dup.reference]),
                    {"to_status": "in_behandeling", "expected_status": "new"},
                    follow=True)
    assert r.status_code == 200 and "intussen gewijzigd" in r.content.decode()
    dup.refresh_from_db()
    assert dup.status == workflow.MERGED
