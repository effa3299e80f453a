"""System checks (`manage.py check`, runserver, migrate): settings that would fail quietly."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=False)
def media_hosts_check(app_configs, **kwargs) -> list[Warning]:
    """With a real key, pages may load thumbnails and media only from ARGIL_MEDIA_HOSTS (the CSP):
    unset, every thumbnail and preview is blocked by the browser."""
    if not settings.ARGIL_API_KEY or settings.ARGIL_SANDBOX or settings.ARGIL_MEDIA_HOSTS:
        return []
    return [
        Warning(
            "ARGIL_MEDIA_HOSTS is not set: the Content-Security-Policy lets pages load images "
            "and media only from the API's own origin, so Argil's thumbnails and previews will "
            "not show.",
            hint="Set ARGIL_MEDIA_HOSTS to the origins of the thumbnailUrl and fileUrl Argil "
            "returns, comma-separated, e.g. ARGIL_MEDIA_HOSTS=https://cdn.argil.ai (the log "
            "names each host Argil sends that is not listed).",
            id="assets_browser.W001",
        )
    ]
