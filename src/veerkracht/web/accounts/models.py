"""Organisations, their areas, and each user's role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from veerkracht.web.accounts.roles import PERMISSIONS, ROLE_CHOICES
from veerkracht.web.levels import LABELS, LEVELS


class Access(models.Model):
    """Holder of the code-defined permissions (no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = sorted(PERMISSIONS.items())
        verbose_name = _("toegangsrecht")


class Organisation(models.Model):
    """A municipality department, corporation or welfare organisation."""

    KINDS = [
        ("municipality", _("Gemeente")),
        ("corporation", _("Woningcorporatie")),
        ("welfare", _("Welzijn / wijkteam")),
        ("other", _("Anders")),
    ]
    name = models.CharField(_("naam"), max_length=200, unique=True)
    kind = models.CharField(_("soort"), max_length=20, choices=KINDS, default="other")

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AreaAssignment(models.Model):
    """One place assigned to an organisation: its users see it and what lies in it."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="areas",
        verbose_name=_("organisatie"),
    )
    level = models.CharField(
        _("niveau"), max_length=20, choices=[(lvl, LABELS[lvl]) for lvl in LEVELS]
    )
    code = models.CharField(
        _("code"),
        max_length=120,
        help_text=_("De plaats-id of CBS-code, bijvoorbeeld BU00140000 of GM0014."),
    )

    class Meta:
        verbose_name = _("gebiedstoewijzing")
        verbose_name_plural = _("gebiedstoewijzingen")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "level", "code"], name="unique_area_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.level} {self.code}"


class UserProfile(models.Model):
    """A user's role and organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("rol"), max_length=20, choices=ROLE_CHOICES)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisatie"),
    )

    class Meta:
        verbose_name = _("profiel")
        verbose_name_plural = _("profielen")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role}"


class RoleGrant(models.Model):
    """A request for a data role: applied only after a second person approves it.

    Filed by an administrator in the admin; approved or rejected by a privacy
    officer who is neither the one who asked nor the one who gets the role
    (:mod:`veerkracht.web.accounts.grants`). Every step is audited.
    """

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    STATUSES = [
        (PENDING, _("wacht op goedkeuring")),
        (APPROVED, _("goedgekeurd")),
        (REJECTED, _("afgewezen")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_grants",
        verbose_name=_("voor"),
    )
    role = models.CharField(_("rol"), max_length=20, choices=ROLE_CHOICES)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=STATUSES, default=PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("aangevraagd door"),
    )
    requested_at = models.DateTimeField(_("aangevraagd op"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("besloten door"),
    )
    decided_at = models.DateTimeField(_("besloten op"), null=True, blank=True)

    class Meta:
        verbose_name = _("aanvraag datarol")
        verbose_name_plural = _("aanvragen datarol")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role} ({self.get_status_display()})"
