"""Audit every login, failed login, logout and change of a threshold."""

from __future__ import annotations

from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from veerkracht.web.audit.models import MIN_CELL, PrivacySetting
from veerkracht.web.audit.services import pseudonym, record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(
        "login",
        request=request,
        user=user,
        level="account",
        object_id=pseudonym("user", user.pk),
        purpose="login",
    )


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(
            "logout",
            request=request,
            user=user,
            level="account",
            object_id=pseudonym("user", user.pk),
            purpose="login",
        )


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # the name tried may be a person's name: only its pseudonym is kept
    tried = pseudonym("login", (credentials or {}).get("username", ""))
    record(
        "login_failed",
        request=request,
        actor=tried,
        level="account",
        object_id=tried,
        result="failed",
        purpose="login",
    )


@receiver(pre_save, sender=PrivacySetting)
def _remember_old_threshold(sender, instance, **kwargs):
    old = PrivacySetting.objects.filter(pk=1).values_list("min_cell", flat=True).first()
    instance._old_min_cell = old


@receiver(post_save, sender=PrivacySetting)
def _threshold_changed(sender, instance, created, **kwargs):
    old = getattr(instance, "_old_min_cell", None)
    if created and instance.min_cell == MIN_CELL:
        return  # the default row appearing is not a change
    if old != instance.min_cell:
        # views and the admin pass their request along; a shell change has none
        request = getattr(instance, "_audit_request", None)
        record(
            "threshold_change",
            request=request,
            level="setting",
            object_id=f"min_cell:{old}->{instance.min_cell}",
            purpose="privacy",
        )
