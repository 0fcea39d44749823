"""The privacy officer's page: the threshold and the state of the audit chain."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from veerkracht.web.accounts import scoping
from veerkracht.web.audit.forms import ThresholdForm
from veerkracht.web.audit.models import AuditEntry, PrivacySetting
from veerkracht.web.audit.services import verify


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
            obj.save()
            messages.success(request, "De drempel is opgeslagen.")
            return redirect("audit:overview")  # post/redirect/get: no double post
    else:
        form = ThresholdForm(instance=setting)
    result = verify()
    recent = AuditEntry.objects.order_by("-seq")[:50]
    return render(
        request,
        "audit/overview.html",
        {"form": form, "verification": result, "recent": recent},
    )
