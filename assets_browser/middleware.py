from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django_htmx.http import HttpResponseClientRedirect


class HtmxAwareLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Login required everywhere; an htmx request from an expired session reloads into login.

    A plain 302 would be followed by the XHR and the login form swapped into the grid, so
    htmx requests get an HX-Redirect to the page they came from.
    """

    def handle_no_permission(self, request, view_func):
        htmx = getattr(request, "htmx", None)
        if not htmx:
            return super().handle_no_permission(request, view_func)
        next_path = htmx.current_url_abs_path or request.get_full_path()
        login = redirect_to_login(next_path, self.get_login_url(view_func), "next")
        return HttpResponseClientRedirect(login.url)
