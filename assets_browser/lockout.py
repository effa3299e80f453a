"""Log-in throttling on top of django-axes: two pauses, and the page that says which.

- One account from one address: axes itself (AXES_FAILURE_LIMIT wrong passwords for one
  username from one address pause that pair), so a colleague's typos never lock anyone else out.
- Every account from one address: ``AddressAwareAxesBackend`` (first in AUTHENTICATION_BACKENDS)
  refuses any log-in from an address with LOGIN_ADDRESS_FAILURE_LIMIT failed attempts across all
  usernames within the cool-off, which stops a password spray (a few common passwords tried on
  many accounts) that the per-pair pause never sees. It counts axes' own records of failures, so
  it holds across processes and machines like axes does, and ends with the same cool-off.

``lockout_response`` is AXES_LOCKOUT_CALLABLE: axes calls it from AxesMiddleware in place of the
login form's response. 429 Too Many Requests with Retry-After: every attempt during the lockout,
the right password included, starts the cool-off again (axes'
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the wait is the whole cool-off from now.
"""

import math
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def address_failures(request: HttpRequest) -> int:
    """Failed log-ins from the request's address within the cool-off, whatever the username."""
    AxesProxyHandler.update_request(request)  # sets axes_ip_address as axes resolves it
    attempts = AccessAttempt.objects.filter(
        ip_address=getattr(request, "axes_ip_address", None),
        attempt_time__gte=get_cool_off_threshold(request),
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class AddressAwareAxesBackend(AxesStandaloneBackend):
    """axes' backend, plus a pause for every account from an address that failed too often."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if (
            getattr(settings, "AXES_ENABLED", True)  # axes sets its defaults at start
            and request is not None
            and address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
        ):
            # Read by AxesMiddleware (the lockout page) and lockout_response (which one).
            request.axes_locked_out = True
            request.address_locked_out = True
            raise AxesBackendPermissionDenied("too many failed log-ins from this address")
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    cool_off_seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    by_address = getattr(request, "address_locked_out", False)
    context = {
        "by_address": by_address,
        "username": "" if by_address else _username(request, credentials),
        "failure_limit": (
            settings.LOGIN_ADDRESS_FAILURE_LIMIT if by_address else settings.AXES_FAILURE_LIMIT
        ),
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


def _username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    return (credentials or {}).get("username") or request.POST.get("username", "")
