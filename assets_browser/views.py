from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from . import errors, services
from .api import ArgilAPIError
from .forms import PAGE_SIZES, STATUS_LABELS, TYPE_LABELS, BrowseQuery


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    # A history-restore request carries HX-Request too but needs the whole page
    # (django-htmx #410, htmx #2013/#3037): do not "simplify" this condition.
    return bool(request.htmx) and not request.htmx.history_restore_request


# Browse


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@cache_control(private=True, no_cache=True)
def browse(request: HtmxHttpRequest) -> HttpResponse:
    query, notices = BrowseQuery.from_querydict(request.GET)
    context = {
        "query": query,
        "notices": notices,
        "type_labels": TYPE_LABELS,
        "status_labels": STATUS_LABELS,
        "page_sizes": PAGE_SIZES,
    }
    status = 200
    try:
        listing = services.list_assets(query)
    except ArgilAPIError as exc:
        problem = errors.describe(exc)
        context["problem"] = problem
        status = problem.status_code
    else:
        context["listing"] = listing
        context["page"] = listing.page
        if listing.page.is_past_end:
            status = 404
    template = "assets_browser/browse.html"
    if wants_fragment(request):
        template += "#results"
    response = render(request, template, context, status=status)
    if wants_fragment(request):
        # The address bar shows the canonical query (defaults left out, corrections applied),
        # not the raw form fields.
        push_url(response, request.path + query.querystring().rstrip("?"))
    if (problem := context.get("problem")) and problem.retry_after:
        response["Retry-After"] = str(problem.retry_after)
    return response


# Health


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers without login and without calling the upstream."""
    return JsonResponse(
        {
            "status": "ok",
            "upstream_configured": bool(settings.ARGIL_API_KEY and settings.ARGIL_API_BASE_URL),
            "sandbox": settings.ARGIL_SANDBOX,
        }
    )
