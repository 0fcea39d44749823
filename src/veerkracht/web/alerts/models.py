"""Early-warning alerts as a team handles them, and their history.

An :class:`Alert` row mirrors one row of the workspace table ``alerts``
(:data:`veerkracht.analytics.warning.alerts.ALERT_COLUMNS`, written by
``veerkracht warn run``) plus what the web adds: the responsible team, the
status and its history. Rows are made and updated only by
:func:`veerkracht.web.alerts.services.sync_alerts`; status changes only by
:func:`veerkracht.web.alerts.services.transition`. :class:`AlertStatusChange`
rows are append-only, and an alert is never deleted (also not when a later
run of the job no longer lists it).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from veerkracht.web.alerts.workflow import ACKNOWLEDGED, ACTIVE, CLOSED, OPEN
from veerkracht.web.signals.models import RoutingRule, Team

#: Status choices (labels translated; codes as in :mod:`.workflow`).
STATUS_CHOICES = [
    (OPEN, _("Open")),
    (ACKNOWLEDGED, _("In behandeling")),
    (CLOSED, _("Gesloten")),
]

#: Labels of the kinds (the keys are those of ``alerts.KINDS``; a test checks).
KIND_LABELS = {
    "cluster": _("opkomend cluster van meldingen"),
    "quiet": _("plaats wordt stil"),
    "hotspot": _("hotspot van meldingen"),
}

#: What the signals of an alert mean (``meaning`` column of the schema).
MEANING_LABELS = {
    "pressure": _("overlast en onveiligheid"),
    "attentiveness": _("zorgen om een buur"),
    "all": _("alle meldingen"),
}


class Alert(models.Model):
    """One early-warning alert for the team of its area."""

    alert_id = models.CharField(_("kenmerk"), max_length=20, unique=True)
    run_at = models.DateTimeField(_("berekend op"), db_index=True)
    as_of = models.DateField(_("analysedatum"))
    kind = models.CharField(_("soort"), max_length=16, choices=KIND_LABELS.items())
    meaning = models.CharField(_("betekenis"), max_length=16)
    level = models.CharField(_("niveau"), max_length=12)
    place_id = models.CharField(_("plaats"), max_length=120, db_index=True)
    buurtcode = models.CharField(_("buurt"), max_length=12, blank=True, db_index=True)
    wijkcode = models.CharField(_("wijk"), max_length=10, blank=True, db_index=True)
    gemeentecode = models.CharField(
        _("gemeente"), max_length=8, blank=True, db_index=True
    )
    window_start = models.DateField(_("venster van"))
    window_end = models.DateField(_("venster tot en met"))
    observed = models.FloatField(_("waargenomen"))
    expected = models.FloatField(_("verwacht"))
    p_value = models.FloatField(_("p-waarde"))
    #: ``None`` when the schema says ``inf`` (p = 1: nothing special)
    recurrence_days = models.FloatField(_("herhalingstijd (dagen)"), null=True)
    statistic = models.FloatField(_("toetsingsgrootheid"), null=True)
    radius_m = models.FloatField(_("straal (m)"), null=True)
    n_locations = models.IntegerField(_("locaties"), default=0)
    method = models.CharField(_("methode"), max_length=120, blank=True)
    evidence = models.TextField(_("bewijs"), blank=True)
    # handling
    status = models.CharField(
        _("status"), max_length=16, choices=STATUS_CHOICES, default=OPEN
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("team")
    )
    routing_rule = models.ForeignKey(
        RoutingRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gebruikte regel"),
    )
    first_seen_at = models.DateTimeField(_("binnengekomen"), default=timezone.now)
    synced_at = models.DateTimeField(_("laatst ingelezen"), default=timezone.now)
    updated_at = models.DateTimeField(_("laatst gewijzigd"), default=timezone.now)
    closed_at = models.DateTimeField(_("gesloten op"), null=True, blank=True)

    class Meta:
        verbose_name = _("vroegsignaal")
        verbose_name_plural = _("vroegsignalen")
        ordering = ["-run_at", "p_value", "alert_id"]
        indexes = [models.Index(fields=["team", "status", "run_at"])]

    def __str__(self) -> str:
        return self.alert_id

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def meaning_label(self) -> str:
        return MEANING_LABELS.get(self.meaning, self.meaning)

    @property
    def recurrence(self) -> str:
        """The recurrence interval in Dutch (``recurrence_text`` of the core)."""
        from veerkracht.analytics.warning.alerts import recurrence_text

        days = self.recurrence_days
        if days is None:
            # stored as NULL: a scan's "never by chance" (p = 1), or no
            # recurrence at all for a test that is not a scan
            days = float("inf") if "scan" in self.method else float("nan")
        return recurrence_text(days)


APPEND_ONLY = "de geschiedenis van een vroegsignaal is alleen-toevoegen"


class AlertStatusChangeQuerySet(models.QuerySet):
    def delete(self):  # pragma: no cover - guarded
        raise PermissionError(APPEND_ONLY)

    def update(self, **kwargs):
        raise PermissionError(APPEND_ONLY)


class AlertStatusChange(models.Model):
    """One row per status change of an alert (and one when it came in)."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("tijdstip"), default=timezone.now)
    from_status = models.CharField(_("van"), max_length=16, blank=True)
    to_status = models.CharField(_("naar"), max_length=16)
    actor_role = models.CharField(_("rol"), max_length=40)
    actor = models.CharField(_("door (pseudoniem)"), max_length=64, blank=True)
    note = models.TextField(_("notitie"), blank=True, max_length=2000)

    objects = AlertStatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("statuswijziging vroegsignaal")
        verbose_name_plural = _("statusgeschiedenis vroegsignalen")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    @property
    def to_label(self) -> str:
        return dict(STATUS_CHOICES).get(self.to_status, self.to_status)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(APPEND_ONLY)


class AlertSync(models.Model):
    """The version of the workspace table last read in (one row per table)."""

    table = models.CharField(max_length=40, unique=True)
    version = models.IntegerField(default=0)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("inleesstand")
        verbose_name_plural = _("inleesstanden")

    def __str__(self) -> str:
        return f"{self.table} v{self.version}"
