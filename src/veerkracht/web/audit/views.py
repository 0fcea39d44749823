"""The privacy officer's page: the threshold, the model files, the audit chain."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from veerkracht.jobs import publish
from veerkracht.web import workspace
from veerkracht.web.accounts import roles, scoping
from veerkracht.web.audit.forms import ApproveModelForm, ThresholdForm
from veerkracht.web.audit.models import AuditEntry, PrivacySetting
from veerkracht.web.audit.services import record, verify


@login_required
@require_http_methods(["GET", "POST"])
def overview(request):
    scoping.require_permission(request, "view_audit", purpose="audit")
    setting = PrivacySetting.current()
    if request.method == "POST":
        scoping.require_permission(request, "manage_thresholds", purpose="threshold")
        form = ThresholdForm(request.POST, instance=setting)
        if form.is_valid():
            obj = form.save(commit=False)
            obj._audit_request = request
            obj.save()  # also writes the rules into the workspace (the door)
            messages.success(request, _("De drempel is opgeslagen en geldt nu overal."))
            return redirect("audit:overview")  # post/redirect/get: no double post
    else:
        form = ThresholdForm(instance=setting)
    result = verify()
    recent = AuditEntry.objects.order_by("-seq")[:50]
    return render(
        request,
        "audit/overview.html",
        {
            "form": form,
            "verification": result,
            "recent": recent,
            "rules": publish.current_rules(workspace.workspace()),
            "models": workspace.result_models(),
        },
    )


@login_required
@require_POST
def approve_model(request):
    """Approve one model file of the workspace results (privacy officer, audited).

    Bands of small places come only from approved model files
    (``jobs.publish.is_approved``); the approval is stored in the workspace by
    ``jobs.publish.approve_model`` and recorded in the audit trail by its hash.
    """
    scoping.require_permission(request, "manage_thresholds", purpose="model_approval")
    form = ApproveModelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Onbekend model; kies een model uit de lijst."))
        return redirect("audit:overview")
    name, version, digest = form.model_key()
    publish.approve_model(workspace.workspace(), name, version, digest,
                          actor_role=workspace.door_role(roles.role_of(request.user)))
    record("model_approval", request=request, level="setting",
           object_id=f"model:{digest[:16]}", purpose="model_approval")
    messages.success(request, _("Model %(name)s %(version)s is goedgekeurd.")
                     % {"name": name, "version": version})
    return redirect("audit:overview")
