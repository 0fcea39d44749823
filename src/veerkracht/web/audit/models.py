"""The audit trail and the privacy thresholds.

:class:`AuditEntry` rows are append-only: the model refuses updates and
deletes, and each row carries an HMAC-SHA256 (key outside the database, its
id in ``key_id``) of its content and of the previous row's hash, so a
changed, removed or inserted row breaks the chain, and signed checkpoints
outside the database catch removed newest rows
(:func:`veerkracht.web.audit.services.verify`). Rows hold no personal data
and no free text: the actor is a pseudonym, the object a code, a CBS area
code or an opaque place key, the origin a truncated address.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from veerkracht.web.levels import LEVELS

MIN_CELL = 10
"""The legal floor of the disclosure threshold; never configurable lower."""


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete audit history."""


class _AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("het auditspoor kan niet worden gewijzigd")

    def delete(self):
        raise AppendOnlyError("het auditspoor kan niet worden verwijderd")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("het auditspoor kan niet worden gewijzigd")


class AuditEntry(models.Model):
    """One audited event."""

    ACTIONS = [
        ("view", _("bekeken")),
        ("export", _("geëxporteerd")),
        ("login", _("ingelogd")),
        ("login_failed", _("inloggen mislukt")),
        ("logout", _("uitgelogd")),
        ("threshold_change", _("drempel gewijzigd")),
        ("role_change", _("rol gewijzigd")),
        ("area_change", _("gebied gewijzigd")),
        ("signal_create", _("melding gedaan")),
        ("signal_view", _("melding bekeken")),
        ("signal_list", _("meldingen bekeken")),
        ("signal_transition", _("status melding gewijzigd")),
        ("signal_anonymise", _("meldingen geanonimiseerd")),
        ("signal_assign", _("melding toegewezen")),
        ("signal_priority", _("prioriteit melding gewijzigd")),
        ("signal_merge", _("dubbele melding samengevoegd")),
        ("signal_reopen", _("melding heropend")),
        ("signal_export", _("werkbak geëxporteerd")),
        ("story_create", _("verhaal vastgelegd")),
        ("intervention_create", _("interventie vastgelegd")),
        ("story_share_approve", _("verhaal goedgekeurd om te delen")),
        ("story_share_refuse", _("verhaal afgewezen om te delen")),
        ("admin_view", _("beheer: bekeken")),
        ("admin_change", _("beheer: gewijzigd")),
        ("role_grant_request", _("rol aangevraagd")),
        ("role_grant_approve", _("rol goedgekeurd")),
        ("role_grant_reject", _("rol afgewezen")),
        ("key_rotate", _("auditsleutel gewisseld")),
        ("model_approval", _("model goedgekeurd")),
        ("alert_list", _("vroegsignalen bekeken")),
        ("alert_view", _("vroegsignaal bekeken")),
        ("alert_transition", _("status vroegsignaal gewijzigd")),
        ("alert_digest", _("vroegsignalen gemaild aan team")),
    ]
    RESULTS = [
        ("ok", _("toegestaan")),
        ("refused", _("geweigerd")),
        ("failed", _("mislukt")),
    ]

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("tijd"))
    actor = models.CharField(_("actor (pseudoniem)"), max_length=64)
    action = models.CharField(_("actie"), max_length=32, choices=ACTIONS)
    object_level = models.CharField(
        _("niveau"),
        max_length=20,
        blank=True,
        choices=[(lvl, lvl) for lvl in LEVELS]
        + [
            (kind, kind)
            for kind in (
                "account", "setting", "signal", "story", "admin", "cli", "alert"
            )
        ],
    )
    object_id = models.CharField(_("object"), max_length=120, blank=True)
    result = models.CharField(_("resultaat"), max_length=10, choices=RESULTS)
    origin = models.CharField(_("herkomst (ingekort)"), max_length=48, blank=True)
    purpose = models.CharField(_("doel"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(
        _("sleutel"),
        max_length=16,
        blank=True,
        default="",
        help_text=_("Id van de auditsleutel (buiten de database) van deze regel."),
    )

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditspoor")
        ordering = ["seq"]
        default_permissions = ("view",)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("het auditspoor kan niet worden gewijzigd")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("het auditspoor kan niet worden verwijderd")


class PrivacySetting(models.Model):
    """The disclosure threshold (one row); changes are audited."""

    min_cell = models.PositiveIntegerField(
        _("minimum aantal huishoudens per cel"),
        default=MIN_CELL,
        validators=[MinValueValidator(MIN_CELL)],
        help_text=_("Nooit lager dan 10 (DESIGN.md §6)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("privacydrempel")
        verbose_name_plural = _("privacydrempels")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_cell__gte=MIN_CELL), name="min_cell_at_least_10"
            )
        ]

    def clean(self):
        if self.min_cell < MIN_CELL:
            raise ValidationError({"min_cell": _("De drempel kan niet lager dan 10.")})

    def save(self, *args, **kwargs):
        """Store the setting and write it into the workspace, where the
        publication door reads it for every output (``jobs.publish.set_rules``).

        Both happen or neither: a workspace that refuses the rules rolls the
        row back. The default row appearing (:meth:`current`) writes nothing.
        """
        from django.db import transaction

        self.full_clean()
        self.pk = 1
        old = PrivacySetting.objects.filter(pk=1).values_list(
            "min_cell", flat=True).first()
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old is not None or self.min_cell != MIN_CELL:
                self.publish()

    def publish(self, actor_role: str | None = None) -> None:
        """Write ``min_cell`` as the door's ``min_count`` into the workspace."""
        from dataclasses import replace

        from veerkracht.jobs import publish
        from veerkracht.web import workspace
        from veerkracht.web.accounts import roles

        if actor_role is None:
            request = getattr(self, "_audit_request", None)
            # a change from a shell (no request) is the operator's, on the
            # privacy officer's behalf
            actor_role = roles.role_of(request.user) if request else roles.PRIVACY
        ws = workspace.workspace()
        rules = replace(publish.current_rules(ws), min_count=self.min_cell)
        publish.set_rules(ws, rules, actor_role=workspace.door_role(actor_role))

    @classmethod
    def current(cls) -> PrivacySetting:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
