from django.conf import settings


def dashboard(request):
    """Tells every page whether it is showing the built-in sample library."""
    return {"sandbox_mode": settings.ARGIL_SANDBOX}
