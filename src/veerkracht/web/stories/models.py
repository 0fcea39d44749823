"""Stories (observations, vignettes) and interventions, tagged to a place."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from veerkracht.analytics.evaluation.interventions import (
    DOMAINS,
    INTENSITIES,
    INTERVENTION_LEVELS,
)
from veerkracht.web.levels import LABELS, LEVELS

LEVEL_CHOICES = [(lvl, LABELS[lvl]) for lvl in LEVELS]
#: Levels an intervention runs on (the core's definition; a complex is a building).
INTERVENTION_LEVEL_CHOICES = [(lvl, LABELS[lvl]) for lvl in INTERVENTION_LEVELS]


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
    #: the author asks to share the story in the knowledge library
    share_requested = models.BooleanField(
        "delen in de kennisbibliotheek", default=False,
        help_text="Na toets door de privacyfunctionaris gaat het verhaal, zonder "
                  "plaats en auteur, mee in de kennisbibliotheek bij de "
                  "interventies op deze plaats.")
    #: the privacy officer's decision: approved when set (docs/library.md)
    shared_at = models.DateTimeField("goedgekeurd om te delen", null=True,
                                     blank=True)
    shared_by = models.CharField("goedgekeurd door (pseudoniem)", max_length=64,
                                 blank=True)

    class Meta:
        verbose_name = "verhaal"
        verbose_name_plural = "verhalen"
        ordering = ["-observed_on", "-created_at"]
        indexes = [models.Index(fields=["level", "place_id"])]

    def __str__(self) -> str:
        return self.title


class Intervention(models.Model):
    """An intervention on one or more places of one level (DESIGN.md §5.6).

    Described in the fields of Dutch practice (Movisie: doel, doelgroep,
    aanpak, werkzame elementen, randvoorwaarden), with its domain, intensity
    and the organisations involved. Its places are :class:`InterventionPlace`
    rows; a place with more than one intervention is a combination, which
    ``veerkracht evaluate`` evaluates as a treatment of its own.
    """

    level = models.CharField("niveau", max_length=20,
                             choices=INTERVENTION_LEVEL_CHOICES)
    domain = models.CharField("domein", max_length=32, choices=DOMAINS)
    title = models.CharField("naam", max_length=160)
    goal = models.TextField("doel", blank=True, max_length=4000)
    target_group = models.TextField("doelgroep", blank=True, max_length=4000)
    approach = models.TextField("aanpak", blank=True, max_length=4000)
    working_elements = models.TextField("werkzame elementen", blank=True,
                                        max_length=4000)
    preconditions = models.TextField("randvoorwaarden", blank=True, max_length=4000)
    description = models.TextField("toelichting", blank=True, max_length=8000)
    intensity = models.CharField("intensiteit", max_length=16, choices=INTENSITIES,
                                 blank=True)
    organisations = models.CharField(
        "betrokken organisaties", max_length=400, blank=True,
        help_text="Gescheiden door puntkomma's, bijvoorbeeld: Woonstichting; "
        "Welzijn Noord")
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

    @property
    def workspace_id(self) -> str:
        """Its ``intervention_id`` in the workspace tables."""
        return f"web-{self.pk}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": "Het einde ligt voor de start."})


class InterventionPlace(models.Model):
    """One place of an intervention (of the intervention's level)."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE,
                                     related_name="places")
    place_id = models.CharField("plaats", max_length=120, db_index=True)

    class Meta:
        verbose_name = "plaats van een interventie"
        constraints = [models.UniqueConstraint(fields=["intervention", "place_id"],
                                               name="one_row_per_place")]

    def __str__(self) -> str:
        return self.place_id
