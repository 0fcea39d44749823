"""Four eyes for data roles: a grant is filed by one person and approved by another.

An administrator manages accounts but never data (docs/web.md). Giving a user
a role that opens data (:data:`~veerkracht.web.accounts.roles.DATA_ROLES`) —
or moving a data user to another organisation — therefore never takes effect
from the admin directly: it files a :class:`RoleGrant`, and a privacy officer
(permission ``approve_roles``) approves or rejects it. The approver may be
neither the one who asked nor the one who gets the role; an account that can
reach the admin (staff or superuser) cannot hold a data role at all, so an
administrator cannot grant a data role to itself or to a second admin account
it keeps. Each step is an audit row (``role_grant_request``,
``role_grant_approve``, ``role_grant_reject``, then ``role_change``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from veerkracht.web.accounts import roles
from veerkracht.web.accounts.models import RoleGrant, UserProfile


class GrantRefused(ValueError):
    """A grant that the four-eyes rule does not allow (Dutch message)."""


def _object(grant: RoleGrant) -> str:
    from veerkracht.web.audit.services import pseudonym

    old = getattr(getattr(grant.user, "profile", None), "role", None)
    return f"{pseudonym('user', grant.user_id)}:{old or '-'}->{grant.role}"


def needs_grant(profile: UserProfile, *, old_role: str | None, old_org_id) -> bool:
    """Whether saving ``profile`` like this needs a second person's approval."""
    if not roles.is_data_role(profile.role):
        return False
    return profile.role != old_role or profile.organisation_id != old_org_id


def can_hold_data(user) -> bool:
    """Accounts that can reach the admin never hold a data role."""
    return not (user.is_staff or user.is_superuser)


def request_grant(user, role: str, organisation=None, *, requested_by, request=None):
    """File a pending grant of ``role`` (and ``organisation``) for ``user``."""
    from veerkracht.web.audit.services import record

    if not roles.is_data_role(role):
        raise GrantRefused(
            "Deze rol geeft geen toegang tot gegevens; geen aanvraag nodig."
        )
    if requested_by is not None and requested_by.pk == user.pk:
        raise GrantRefused("U kunt uzelf geen rol met toegang tot gegevens geven.")
    if not can_hold_data(user):
        raise GrantRefused(
            "Een beheeraccount (toegang tot het beheer) kan geen rol met toegang tot "
            "gegevens krijgen: gebruik een apart account."
        )
    with transaction.atomic():
        RoleGrant.objects.filter(user=user, status=RoleGrant.PENDING).update(
            status=RoleGrant.REJECTED, decided_at=timezone.now()
        )
        grant = RoleGrant.objects.create(
            user=user, role=role, organisation=organisation, requested_by=requested_by
        )
        record(
            "role_grant_request",
            request=request,
            user=requested_by,
            level="account",
            object_id=_object(grant),
            purpose="accounts",
        )
    return grant


def _check_decider(grant: RoleGrant, decider) -> None:
    if grant.status != RoleGrant.PENDING:
        raise GrantRefused("Over deze aanvraag is al besloten.")
    if not roles.has(decider, "approve_roles"):
        raise GrantRefused("Alleen een privacyfunctionaris keurt rollen goed.")
    if decider.pk in (grant.requested_by_id, grant.user_id):
        raise GrantRefused(
            "Goedkeuren doet een tweede persoon: niet wie het vroeg en niet wie de "
            "rol krijgt."
        )


def approve(grant: RoleGrant, decider, *, request=None) -> UserProfile:
    """Apply a pending grant (by a privacy officer who is a second person)."""
    from veerkracht.web.audit.services import record

    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        _check_decider(grant, decider)
        if not can_hold_data(grant.user):
            raise GrantRefused("Dit account heeft intussen toegang tot het beheer.")
        record(
            "role_grant_approve",
            request=request,
            user=decider,
            level="account",
            object_id=_object(grant),
            purpose="accounts",
        )
        profile, _created = UserProfile.objects.get_or_create(
            user=grant.user, defaults={"role": roles.RESIDENT}
        )
        profile.role = grant.role
        profile.organisation = grant.organisation
        profile._audit_request = request
        profile._grant_approved = True
        profile.save()
        grant.status = RoleGrant.APPROVED
        grant.decided_by = decider
        grant.decided_at = timezone.now()
        grant.save(update_fields=["status", "decided_by", "decided_at"])
    return profile


def reject(grant: RoleGrant, decider, *, request=None) -> None:
    """Turn a pending grant down (audited)."""
    from veerkracht.web.audit.services import record

    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        _check_decider(grant, decider)
        grant.status = RoleGrant.REJECTED
        grant.decided_by = decider
        grant.decided_at = timezone.now()
        grant.save(update_fields=["status", "decided_by", "decided_at"])
        record(
            "role_grant_reject",
            request=request,
            user=decider,
            level="account",
            object_id=_object(grant),
            purpose="accounts",
        )
