"""What an editor is told when the Argil API fails, and with which status code.

Messages are ours, never the upstream's body, so nothing the upstream echoes (or the key) can
reach a page.
"""

from dataclasses import dataclass

from .api import (
    ArgilAPIError,
    ArgilAuthError,
    ArgilBadResponse,
    ArgilNotFound,
    ArgilRateLimited,
    ArgilUnavailable,
)


@dataclass(frozen=True, slots=True)
class UpstreamProblem:
    kind: str  # auth, rate_limited, timeout, unavailable, bad_response, not_found
    title: str
    detail: str
    status_code: int
    retry_after: int | None = None
    can_retry: bool = True


def describe(exc: ArgilAPIError) -> UpstreamProblem:
    match exc:
        case ArgilAuthError():
            return UpstreamProblem(
                "auth",
                "The Argil API rejected our API key",
                "An operator needs to check ARGIL_API_KEY in the server's environment.",
                502,
                can_retry=False,
            )
        case ArgilRateLimited():
            wait = max(1, round(exc.retry_after)) if exc.retry_after else 30
            return UpstreamProblem(
                "rate_limited",
                "Argil is rate-limiting this workspace",
                f"Too many requests right now. Try again in {wait} seconds.",
                503,
                retry_after=wait,
            )
        case ArgilUnavailable(reason="timeout"):
            return UpstreamProblem(
                "timeout",
                "Argil took too long to answer",
                "The asset library did not answer in time. Your filters are kept; try again.",
                504,
            )
        case ArgilUnavailable():
            return UpstreamProblem(
                "unavailable",
                "Argil is unreachable right now",
                "The asset library could not be reached. Your filters are kept; try again.",
                502,
            )
        case ArgilNotFound():
            return UpstreamProblem(
                "not_found",
                "Asset not found",
                "This asset does not exist, or was deleted.",
                404,
                can_retry=False,
            )
        case ArgilBadResponse():
            return UpstreamProblem(
                "bad_response",
                "Argil sent an answer we could not read",
                "The asset library answered with something unexpected. Try again shortly.",
                502,
            )
        case _:
            return UpstreamProblem(
                "unavailable",
                "Argil could not answer",
                "The asset library returned an error. Try again shortly.",
                502,
            )
