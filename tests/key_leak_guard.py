"""Test-only middleware: records every response that carries the Argil API key.

Installed outermost in tests/settings.py, so it sees every response of the suite (test client and
live server alike); the autouse fixture in conftest.py fails the test that produced one.
"""

from django.conf import settings

leaks: list[str] = []


class KeyLeakGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = settings.ARGIL_API_KEY
        if key:
            where = f"{request.method} {request.get_full_path()}"
            if any(key in f"{name}: {value}" for name, value in response.items()):
                leaks.append(f"{where}: in a response header")
            if not response.streaming and key.encode() in response.content:
                leaks.append(f"{where}: in the response body")
        return response
