"""Signals ("meldingen"): teams, routing rules, signals and their history.

State changes never happen here: every mutation of a :class:`Signal` goes
through :mod:`veerkracht.web.signals.services` (``create_signal``,
``transition``, ``assign``, ``set_priority``, ``merge``, ``reopen``,
``anonymise_expired``). :class:`StatusChange` rows — the signal's history of
status changes, assignments, priorities, merges and reopenings — are
append-only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from veerkracht.web.signals.workflow import (
    CATEGORIES,
    DEFAULT_PRIORITY,
    NEW,
    PRIORITIES,
    SOURCES,
    STATUSES,
    priority_label,
    status_label,
)

#: Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 8


def new_reference(year: int | None = None) -> str:
    """An unguessable reference such as ``VK-2026-7KX3M9QP`` (31**8 ≈ 8.5e11)."""
    year = year or timezone.now().year
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"VK-{year}-{body}"


def follow_token(reference: str) -> str:
    """The secret that, with the reference, opens the follow page.

    A keyed hash (HMAC with the site's ``SECRET_KEY``) of the reference: it
    needs no storage, can be put in every status e-mail, and cannot be
    guessed without the key.
    """
    from django.conf import settings

    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"follow:{reference}".encode(), hashlib.sha256
    )
    return mac.hexdigest()[:32]


def hash_secret(value: str) -> str:
    """SHA-256 hex of a token or key; only hashes are stored."""
    return hashlib.sha256(value.encode()).hexdigest()


class RoutingVersion(models.Model):
    """One row whose token changes with every change to a team or a routing rule.

    Reports route with rules cached per process (:mod:`.routes`); each report
    reads this token and reloads the rules when it differs from the one they
    were read with, so a change made anywhere — the admin, a shell, another
    server process — applies to the next report. The token is random, not a
    counter, so a rolled-back change can never bring back a token that
    already named another state of the rules.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "versie van de routering"
        verbose_name_plural = "versies van de routering"


def routing_changed(**_kwargs) -> None:
    """Give the routing a new version token (in the current transaction)."""
    RoutingVersion.objects.update_or_create(
        pk=1, defaults={"token": secrets.token_hex(16)})


class RoutingQuerySet(models.QuerySet):
    """Teams and routing rules: bulk changes, which send no ``post_save``,
    change the routing version too."""

    def update(self, **kwargs):
        changed = super().update(**kwargs)
        routing_changed()
        return changed

    def bulk_create(self, *args, **kwargs):
        objs = super().bulk_create(*args, **kwargs)
        routing_changed()
        return objs

    def bulk_update(self, *args, **kwargs):
        changed = super().bulk_update(*args, **kwargs)
        routing_changed()
        return changed

    def delete(self):
        deleted = super().delete()
        routing_changed()
        return deleted


class Team(models.Model):
    """A team that handles signals (a wijkteam, a corporation's social desk)."""

    name = models.CharField("naam", max_length=120, unique=True)
    email = models.EmailField(
        "e-mail van het team",
        blank=True,
        help_text="Krijgt bericht bij een nieuwe melding (zonder vrije tekst).",
    )
    is_default = models.BooleanField(
        "standaardteam",
        default=False,
        help_text="Krijgt meldingen waarvoor geen routeringsregel past.",
    )
    active = models.BooleanField("actief", default=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signal_teams",
        verbose_name="organisatie",
        help_text="De medewerkers van deze organisatie vormen het team: zij zien "
        "de meldingen van het team onder 'Mijn team' en kunnen ze aan elkaar "
        "toewijzen.",
    )

    objects = RoutingQuerySet.as_manager()

    class Meta:
        verbose_name = "team"
        verbose_name_plural = "teams"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Send signals of a category in an area to a team (docs/signals.md)."""

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="rules", verbose_name="team"
    )
    category = models.CharField(
        "categorie",
        max_length=32,
        blank=True,
        choices=[("", "Alle categorieën"), *CATEGORIES.items()],
    )
    area_code = models.CharField(
        "gebiedscode",
        max_length=12,
        blank=True,
        help_text="CBS-code van een buurt (BU…), wijk (WK…) of gemeente (GM…); "
        "leeg = overal.",
    )
    priority = models.PositiveIntegerField(
        "prioriteit",
        default=100,
        help_text="Bij gelijke specificiteit wint het laagste getal.",
    )
    active = models.BooleanField("actief", default=True)
    note = models.CharField("toelichting", max_length=200, blank=True)

    objects = RoutingQuerySet.as_manager()

    class Meta:
        verbose_name = "routeringsregel"
        verbose_name_plural = "routeringsregels"
        ordering = ["area_code", "category", "priority", "id"]

    def __str__(self) -> str:
        what = CATEGORIES.get(self.category, "alle categorieën")
        where = self.area_code or "overal"
        return f"{what} in {where} → {self.team}"

    def clean(self) -> None:
        """Refuse area codes that are not a CBS buurt, wijk or gemeente code."""
        import re

        from django.core.exceptions import ValidationError

        code = (self.area_code or "").strip().upper()
        self.area_code = code
        if code and not re.fullmatch(r"BU\d{8}|WK\d{6}|GM\d{4}", code):
            raise ValidationError(
                {"area_code": "Gebruik een CBS-code: BU + 8 cijfers, WK + 6 of GM + 4."}
            )


class Signal(models.Model):
    """One report of a worry or problem at a place."""

    LOCATION_KINDS = [("address", "adres"), ("street", "straat"), ("point", "punt")]
    CHANNELS = [("web", "website"), ("api", "REST-API"), ("open311", "Open311")]

    reference = models.CharField("kenmerk", max_length=20, unique=True, editable=False)
    category = models.CharField("categorie", max_length=32, choices=CATEGORIES.items())
    source = models.CharField("bron", max_length=32, choices=SOURCES.items())
    channel = models.CharField("kanaal", max_length=16, choices=CHANNELS, default="web")
    status = models.CharField(
        "status", max_length=32, choices=STATUSES.items(), default=NEW
    )
    # Where
    location_kind = models.CharField(
        "soort locatie", max_length=16, choices=LOCATION_KINDS
    )
    location_label = models.CharField("locatie", max_length=200, blank=True)
    address_id = models.CharField("adres-id", max_length=40, blank=True, db_index=True)
    straat = models.CharField("straat", max_length=120, blank=True)
    woonplaats = models.CharField("woonplaats", max_length=120, blank=True)
    entrance_id = models.CharField("portiek", max_length=80, blank=True, db_index=True)
    building_id = models.CharField("gebouw", max_length=80, blank=True)
    block_id = models.CharField("blok", max_length=80, blank=True)
    street_id = models.CharField("straat-id", max_length=120, blank=True)
    buurtcode = models.CharField("buurt", max_length=12, blank=True, db_index=True)
    wijkcode = models.CharField("wijk", max_length=10, blank=True, db_index=True)
    gemeentecode = models.CharField("gemeente", max_length=8, blank=True, db_index=True)
    x = models.FloatField("x (RD)")
    y = models.FloatField("y (RD)")
    # Free text and contact: never leave this table; anonymised after the term.
    description = models.TextField("toelichting", blank=True, max_length=4000)
    contact_email = models.EmailField("e-mail melder", blank=True)
    # Handling
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="signals", verbose_name="team"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_signals",
        verbose_name="toegewezen aan",
    )
    priority = models.CharField(
        "prioriteit",
        max_length=8,
        choices=PRIORITIES.items(),
        default=DEFAULT_PRIORITY,
        db_index=True,
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name="samengevoegd met",
    )
    routing_rule = models.ForeignKey(
        RoutingRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="gebruikte regel",
    )
    reported_by_role = models.CharField(max_length=40, blank=True)
    reported_by = models.CharField(
        "gemeld door (pseudoniem)", max_length=64, blank=True
    )
    form_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField("gemeld op", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("laatst gewijzigd", default=timezone.now)
    closed_at = models.DateTimeField("gesloten op", null=True, blank=True)
    anonymised_at = models.DateTimeField("geanonimiseerd op", null=True, blank=True)
    synced_at = models.DateTimeField("naar de werkmap op", null=True, blank=True)

    class Meta:
        verbose_name = "melding"
        verbose_name_plural = "meldingen"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["category", "status", "created_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def priority_label(self) -> str:
        return priority_label(self.priority)

    def age_days(self, now=None) -> int:
        """Whole days the signal has been (or was) open: until now or its closing."""
        end = self.closed_at or now or timezone.now()
        return max(0, (end - self.created_at).days)

    @property
    def category_label(self) -> str:
        return str(CATEGORIES.get(self.category, self.category))

    @property
    def is_open(self) -> bool:
        from veerkracht.web.signals.workflow import OPEN

        return self.status in OPEN

    @property
    def follow_token(self) -> str:
        return follow_token(self.reference)

    def check_follow_token(self, token: str) -> bool:
        """Constant-time check of a follow token."""
        # as bytes: compare_digest refuses str with non-ASCII characters
        return bool(token) and hmac.compare_digest(
            self.follow_token.encode(), str(token).encode())


class StatusChangeQuerySet(models.QuerySet):
    def delete(self):  # pragma: no cover - guarded
        raise PermissionError("de statusgeschiedenis is alleen-toevoegen")


class StatusChange(models.Model):
    """One row per change: append-only history of a signal.

    ``kind`` says what changed: the status (``status``; the first row too),
    a reopening (``reopen``: from the closed status back to in behandeling,
    the reason in ``note``), a merge (``merge`` on the duplicate, ``merged_in``
    on the main signal, the other one in ``related``), an assignment
    (``assign``: the team and person it went to) or the priority
    (``priority``). ``from_status``/``to_status`` are the status before and
    after (equal for a change that keeps the status).
    """

    STATUS = "status"
    REOPEN = "reopen"
    MERGE = "merge"
    MERGED_IN = "merged_in"
    ASSIGN = "assign"
    PRIORITY = "priority"
    KINDS = [
        (STATUS, "status"),
        (REOPEN, "heropend"),
        (MERGE, "samengevoegd"),
        (MERGED_IN, "dubbele melding toegevoegd"),
        (ASSIGN, "toegewezen"),
        (PRIORITY, "prioriteit"),
    ]
    #: what a reporter sees on the follow page (never assignments or priorities)
    FOR_REPORTER = (STATUS, REOPEN, MERGE)

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField("tijdstip", default=timezone.now)
    kind = models.CharField("soort", max_length=16, choices=KINDS, default=STATUS)
    from_status = models.CharField("van", max_length=32, blank=True)
    to_status = models.CharField("naar", max_length=32)
    actor_role = models.CharField("rol", max_length=40)
    actor = models.CharField("door (pseudoniem)", max_length=64, blank=True)
    note = models.TextField("notitie", blank=True, max_length=2000)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="team",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="medewerker",
    )
    priority = models.CharField(
        "prioriteit", max_length=8, blank=True, choices=PRIORITIES.items()
    )
    related = models.ForeignKey(
        Signal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="andere melding",
    )

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "statuswijziging"
        verbose_name_plural = "statusgeschiedenis"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    def save(self, *args, **kwargs):
        """Only inserts: history is never edited (retention uses ``update``)."""
        if self.pk is not None:
            raise PermissionError("de statusgeschiedenis is alleen-toevoegen")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("de statusgeschiedenis is alleen-toevoegen")


class Open311Client(models.Model):
    """An app allowed to file signals through Open311 (``api_key``)."""

    name = models.CharField("naam", max_length=120, unique=True)
    key_prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField("actief", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "Open311-koppeling"
        verbose_name_plural = "Open311-koppelingen"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def issue(cls, name: str) -> tuple[Open311Client, str]:
        """Create a client and return it with its key (shown only once)."""
        key = secrets.token_urlsafe(32)
        client = cls.objects.create(
            name=name, key_prefix=key[:8], key_hash=hash_secret(key)
        )
        return client, key

    @classmethod
    def authenticate(cls, key: str) -> Open311Client | None:
        """The active client with this key, or ``None``."""
        if not key:
            return None
        return cls.objects.filter(key_hash=hash_secret(key), active=True).first()


# every save and delete of a team or rule (the admin, the ORM, cascades), and
# the delete of an organisation, which empties its teams' organisation
# without saving them
for _model in (Team, RoutingRule):
    models.signals.post_save.connect(routing_changed, sender=_model,
                                     dispatch_uid=f"routing_changed_save_{_model.__name__}")
    models.signals.post_delete.connect(routing_changed, sender=_model,
                                       dispatch_uid=f"routing_changed_del_{_model.__name__}")
models.signals.post_delete.connect(routing_changed, sender="accounts.Organisation",
                                   dispatch_uid="routing_changed_del_Organisation")
