"""The page django-axes shows when a (username, address) pair is locked out after failed logins.

Wired as AXES_LOCKOUT_CALLABLE (settings.py); axes calls it from AxesMiddleware in place of the
login form's response. 429 Too Many Requests with Retry-After: every attempt during the lockout,
the right password included, starts the cool-off again (axes'
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the wait is the whole cool-off from now.
"""

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    cool_off_seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {
        "username": (credentials or {}).get("username") or request.POST.get("username", ""),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": math.ceil(cool_off_seconds / 60),
    }
    response = render(
        request,
        "registration/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(cool_off_seconds)
    return response
