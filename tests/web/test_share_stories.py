"""Stories in the knowledge library: the author offers, the privacy officer
decides, and only approved text leaves, without place or author."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from django.urls import reverse
from tests.web.cityfixture import BUURTEN
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures
from tests.web.test_signals_fixtures import make_professional

from veerkracht.store import open_workspace
from veerkracht.web.audit.models import AuditEntry
from veerkracht.web.stories import services
from veerkracht.web.stories.models import Story

pytestmark = pytest.mark.django_db


def _offer(client, user, title: str, body: str, share: bool) -> Story:
    client.force_login(user)
    form = {"level": "buurt", "place_id": BUURTEN[0], "kind": "vignette",
            "title": title, "body": body, "observed_on": "2026-10-12"}
    if share:
        form["share_requested"] = "on"
    r = client.post(reverse("stories:new"), form)
    assert r.status_code == 302
    return Story.objects.get(title=title)


def _evaluated(folder) -> None:
    """An intervention at the story's buurt with one published effect."""
    ws = open_workspace(folder)
    iv = pd.DataFrame({
        "intervention_id": ["x-1"], "title": ["Buurtkamer"],
        "domain": ["shared_spaces"],
        "level": ["buurt"], "start": pd.to_datetime(["2025-01-01"]).astype(
            "datetime64[us]"), "end": pd.Series([pd.NaT], dtype="datetime64[us]"),
        "intensity": ["medium"], "organisations": ["Welzijn"], "goal": ["Ontmoeten"],
        "target_group": ["Bewoners"], "approach": ["Koffie"],
        "working_elements": ["Vaste plek"], "preconditions": ["Een ruimte"],
        "description": [""], "source": ["import"], "synthetic": [False]})
    places = pd.DataFrame({"intervention_id": ["x-1"], "level": ["buurt"],
                           "place_id": [BUURTEN[0]], "synthetic": [False]})
    ev = pd.DataFrame({
        "treatment_id": ["x-1"], "kind": ["interventie"], "title": ["Buurtkamer"],
        "domains": ["shared_spaces"], "level": ["buurt"], "outcome": ["balance"],
        "interval": [0.9], "status": ["ok"], "message": [""], "method": ["synth"],
        "n_treated": [1], "n_comparison": [30], "treated_places": [BUURTEN[0]],
        "comparison_places": ["B"], "periods": ["2023–2025"],
        "treated_mean_before": [0.1], "att": [0.05], "se": [0.02], "lo": [0.01],
        "hi": [0.09], "pretrend_p": [0.5], "placebo_att": [float("nan")],
        "placebo_lo": [float("nan")], "placebo_hi": [float("nan")],
        "statistics_period": ["2025"], "computed_at": ["2026-12-02T00:00:00Z"],
        "seed": [1]})
    with ws.transaction("evaluate", source="test") as tx:
        tx.put("interventions", iv)
        tx.put("intervention_places", places)
        tx.put("evaluations", ev)


def test_an_offered_story_travels_only_after_the_privacy_officers_approval(
        client, city_copy, professional, django_capture_on_commit_callbacks):
    from veerkracht.jobs.evaluate import published_library

    _evaluated(city_copy)
    offered = _offer(client, professional, "De bank bij de kamer",
                     "Sinds de buurtkamer open is, zitten er 's ochtends mensen.", True)
    kept = _offer(client, professional, "Alleen voor ons",
                  "Mevrouw op nummer 12 voelt zich alleen.", False)
    refused = _offer(client, professional, "Te herkenbaar",
                     "De man met de rode hond op de hoek.", True)
    assert offered.share_requested and offered.shared_at is None
    assert not kept.share_requested
    ws = open_workspace(city_copy)
    assert not ws.has("shared_stories")  # offering alone shares nothing

    # the author cannot approve
    assert client.get(reverse("stories:share_review")).status_code == 403
    with pytest.raises(Exception, match="privacyfunctionaris"):
        services.decide_share(professional, offered.pk, True)

    officer = make_professional("privacy1", role="privacy")
    client.force_login(officer)
    page = client.get(reverse("stories:share_review")).content.decode()
    assert "De bank bij de kamer" in page and "Te herkenbaar" in page
    assert "Alleen voor ons" not in page  # not offered: the officer never sees it
    assert 'href="/verhalen/delen/"' in page  # in the officer's menu
    for story, decision in ((offered, "approve"), (refused, "refuse")):
        with django_capture_on_commit_callbacks(execute=True) as done:
            r = client.post(reverse("stories:share_review"),
                            {"story": story.pk, "decision": decision})
        assert r.status_code == 302 and len(done) == 1  # the workspace sync
    # a story that was not offered cannot be approved by a crafted POST
    client.post(reverse("stories:share_review"), {"story": kept.pk,
                                                  "decision": "approve"})
    offered.refresh_from_db(), refused.refresh_from_db(), kept.refresh_from_db()
    assert offered.shared_at is not None and offered.shared_by
    assert not refused.share_requested and refused.shared_at is None
    assert kept.shared_at is None
    kinds = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"story_share_approve", "story_share_refuse"} <= kinds

    shared = open_workspace(city_copy).read("shared_stories")
    assert shared["title"].tolist() == ["De bank bij de kamer"]
    assert "author" not in shared.columns

    doc = published_library(open_workspace(city_copy))
    text = json.dumps(doc, ensure_ascii=False)
    entry = next(e for e in doc["entries"] if e["id"] == "x-1")
    assert entry["stories"] == [{
        "kind": "vignette", "title": "De bank bij de kamer",
        "text": "Sinds de buurtkamer open is, zitten er 's ochtends mensen.",
        "observed": "2026-10"}]
    assert BUURTEN[0] not in text and "wijkwerker" not in text
    assert "nummer 12" not in text and "rode hond" not in text


def test_a_crafted_workspace_row_without_approval_does_not_travel(
        client, city_copy, professional):
    """Someone writes ``shared_stories`` by hand with ``approved`` false: the
    library's door reads the flag, not the table's existence."""
    from veerkracht.jobs.evaluate import published_library

    _evaluated(city_copy)
    ws = open_workspace(city_copy)
    rows = pd.DataFrame({"story_id": ["s1", "s2"], "level": ["buurt"] * 2,
                         "place_id": [BUURTEN[0]] * 2,
                         "kind": ["observation"] * 2,
                         "title": ["Goedgekeurd", "Nooit getoetst"],
                         "body": ["Mag mee.", "Geheim."],
                         "observed": ["2026-09", "2026-10"],
                         "approved": [True, False]})
    with ws.transaction("craft", source="test") as tx:
        tx.put("shared_stories", rows)
    text = json.dumps(published_library(ws), ensure_ascii=False)
    assert "Mag mee." in text and "Geheim." not in text


def test_the_review_page_says_when_nothing_waits_and_refuses_a_bad_choice(
        client, city_copy, db):
    officer = make_professional("privacy2", role="privacy")
    client.force_login(officer)
    page = client.get(reverse("stories:share_review")).content.decode()
    assert "Er wacht geen verhaal op een beslissing." in page
    r = client.post(reverse("stories:share_review"), {"story": "x",
                                                      "decision": "misschien"},
                    follow=True)
    assert "Kies goedkeuren of afwijzen." in r.content.decode()
