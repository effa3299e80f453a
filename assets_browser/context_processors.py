from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .preferences import preferences_of


def dashboard(request):
    """Tells every page whether it is showing the built-in sample library, and the editor's
    look-and-feel preferences (read only by templates that print them: one query then)."""
    return {
        "sandbox_mode": settings.ARGIL_SANDBOX,
        # No request.user on error pages rendered before the auth middleware ran (a bad Host).
        "prefs": SimpleLazyObject(lambda: preferences_of(getattr(request, "user", None))),
    }
