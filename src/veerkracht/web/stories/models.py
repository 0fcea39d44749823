"""Stories (observations, vignettes) and interventions, tagged to a place."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from veerkracht.web.levels import LABELS, LEVELS

LEVEL_CHOICES = [(lvl, LABELS[lvl]) for lvl in LEVELS]

#: Intervention domains (DESIGN.md §5.6).
DOMAINS = [
    ("informal_networks", "Informele netwerken"),
    ("light_connectedness", "Lichte verbondenheid"),
    ("professionals", "Professionals in de wijk"),
    ("public_space", "Openbare ruimte en voorzieningen"),
    ("shared_spaces", "Gedeelde ruimtes"),
    ("scale_and_mix", "Schaal en menging"),
    ("inflow", "Instroom"),
]


class Story(models.Model):
    """An observation or vignette by a professional about a place."""

    KINDS = [("observation", "Observatie"), ("vignette", "Vignet")]

    level = models.CharField("niveau", max_length=20, choices=LEVEL_CHOICES)
    place_id = models.CharField("plaats", max_length=120, db_index=True)
    kind = models.CharField(
        "soort", max_length=20, choices=KINDS, default="observation"
    )
    title = models.CharField("titel", max_length=160)
    body = models.TextField("tekst", max_length=8000)
    author = models.CharField("auteur (pseudoniem)", max_length=64)
    author_role = models.CharField("rol", max_length=40)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    observed_on = models.DateField("waargenomen op", default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "verhaal"
        verbose_name_plural = "verhalen"
        ordering = ["-observed_on", "-created_at"]
        indexes = [models.Index(fields=["level", "place_id"])]

    def __str__(self) -> str:
        return self.title


class Intervention(models.Model):
    """An intervention at a place (evaluation comes later)."""

    level = models.CharField("niveau", max_length=20, choices=LEVEL_CHOICES)
    place_id = models.CharField("plaats", max_length=120, db_index=True)
    domain = models.CharField("domein", max_length=32, choices=DOMAINS)
    title = models.CharField("naam", max_length=160)
    description = models.TextField("beschrijving", blank=True, max_length=8000)
    start = models.DateField("start")
    end = models.DateField("einde", null=True, blank=True)
    author = models.CharField("geregistreerd door (pseudoniem)", max_length=64)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "interventie"
        verbose_name_plural = "interventies"
        ordering = ["-start"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": "Het einde ligt voor de start."})
