"""The profile page: a signed-in person chooses their time zone and changes their own password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from remediation.actors import Actor
from remediation.middleware import UserTimeZoneMiddleware
from remediation.services.profile import change_own_password, set_time_zone, time_zone_of, time_zones


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """GET shows both forms; POST `form=time_zone` or `form=password` saves one (errors keep what was typed)."""
    user = request.user
    context: dict[str, object] = {"zones": time_zones(), "zone": time_zone_of(user), "errors": {}}  # type: ignore[arg-type]
    if request.method == "GET":
        return render(request, "remediation/profile.html", context)
    try:
        if request.POST.get("form") == "password":
            change_own_password(
                user,  # type: ignore[arg-type]
                old_password=request.POST.get("old_password", ""),
                new_password=request.POST.get("new_password", ""),
                actor=Actor.of(user),
            )
            update_session_auth_hash(request, user)  # type: ignore[arg-type]  # stay signed in here
            messages.success(request, "Password changed. Your API tokens were revoked; sign in to the API again.")
        else:
            zone = request.POST.get("time_zone", "")
            request.session[UserTimeZoneMiddleware.SESSION_KEY] = set_time_zone(user, zone, actor=Actor.of(user))  # type: ignore[arg-type]
            messages.success(request, f"Times are now shown in {request.session[UserTimeZoneMiddleware.SESSION_KEY]}.")
    except ValidationError as exc:
        context["errors"] = exc.message_dict
        context["zone"] = request.POST.get("time_zone", context["zone"])
        return render(request, "remediation/profile.html", context, status=400)
    return redirect("profile")
