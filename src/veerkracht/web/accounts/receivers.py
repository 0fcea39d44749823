"""Keep role groups in sync with profiles, and audit role and area changes."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
from django.dispatch import receiver

from veerkracht.web.accounts.models import AreaAssignment, UserProfile
from veerkracht.web.accounts.roles import GROUP_NAMES, ensure_role_groups, group_name


@receiver(post_migrate)
def _groups_after_migrate(sender, **kwargs):
    if sender.name == "veerkracht.web.accounts":
        ensure_role_groups()


@receiver(pre_save, sender=UserProfile)
def _remember_old_role(sender, instance, **kwargs):
    from django.core.exceptions import PermissionDenied

    from veerkracht.web.accounts import grants

    old = (
        UserProfile.objects.filter(pk=instance.pk)
        .values("role", "organisation_id")
        .first()
        if instance.pk
        else None
    )
    instance._old_role = old["role"] if old else None
    # a change made in the web (a request is attached) that opens data must come
    # through an approved grant: the four-eyes rule holds for every web path
    from_web = getattr(instance, "_audit_request", None) is not None
    approved = getattr(instance, "_grant_approved", False)
    if (
        from_web
        and not approved
        and grants.needs_grant(
            instance,
            old_role=instance._old_role,
            old_org_id=old["organisation_id"] if old else None,
        )
    ):
        raise PermissionDenied(
            "Een rol met toegang tot gegevens vraagt goedkeuring van een tweede "
            "persoon."
        )


@receiver(post_save, sender=UserProfile)
def _role_saved(sender, instance, created, **kwargs):
    from veerkracht.web.audit.services import pseudonym, record

    old = getattr(instance, "_old_role", None)
    if old == instance.role and not created:
        return
    ensure_role_groups()
    user = instance.user
    role_groups = Group.objects.filter(name__in=[str(n) for n in GROUP_NAMES.values()])
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=group_name(instance.role)))
    request = getattr(instance, "_audit_request", None)
    record(
        "role_change",
        request=request,
        level="account",
        object_id=f"{pseudonym('user', user.pk)}:{old or '-'}->{instance.role}",
        purpose="accounts",
    )


@receiver(post_save, sender=AreaAssignment)
@receiver(post_delete, sender=AreaAssignment)
def _area_changed(sender, instance, **kwargs):
    from veerkracht.web.accounts import scoping
    from veerkracht.web.audit.services import record

    scoping.clear_cache()
    # the area by its audit id (opaque below the buurt), the organisation as purpose
    record(
        "area_change",
        request=getattr(instance, "_audit_request", None),
        level=instance.level,
        object_id=instance.code,
        purpose=f"org{instance.organisation_id}",
    )
