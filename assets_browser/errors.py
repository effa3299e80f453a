"""What an editor is told when the Argil API fails, and with which status code.

Messages are ours, never the upstream's body, so nothing the upstream echoes (or the key) can
reach a page.
"""

from dataclasses import dataclass
from typing import Literal

from .api import (
    RETRY_AFTER_CAP,
    ArgilAPIError,
    ArgilAuthError,
    ArgilBadResponse,
    ArgilNotFound,
    ArgilRateLimited,
    ArgilUnavailable,
)
from .editor_budget import EditorBudgetSpent

# A process whose upstream slots are all taken frees one within a call's read timeout.
BUSY_RETRY_AFTER = 5


@dataclass(frozen=True, slots=True)
class UpstreamProblem:
    kind: str  # slow_down, auth, rate_limited, timeout, unavailable, bad_response, not_found
    title: str
    detail: str
    status_code: int
    retry_after: int | None = None
    can_retry: bool = True


# Where the failure is shown: each place says what became of the editor's action there (the
# browse page keeps its filters; an export exported nothing; the add form kept what was typed).
Place = Literal["browse", "preview", "add", "export", "pick"]
WHAT_NOW: dict[str, str] = {
    "browse": "Your filters are kept; try again.",
    "preview": "Try again in a moment.",
    "add": "What you typed is kept; try again in a moment.",
    "export": "Check again in a moment.",
    "pick": "Try again in a moment.",
}


def describe(exc: ArgilAPIError, place: Place = "browse") -> UpstreamProblem:
    """What to tell the editor about ``exc``, in the words of the place it is shown."""
    then = WHAT_NOW[place]
    match exc:
        case EditorBudgetSpent(kind="writes"):
            return UpstreamProblem(
                "slow_down",
                "Slow down",
                f"You have added a lot of B-roll in the last minute. Try again in "
                f"{exc.retry_after} seconds.",
                429,
                retry_after=exc.retry_after,
            )
        case EditorBudgetSpent():
            return UpstreamProblem(
                "slow_down",
                "Slow down",
                f"You have asked Argil for a lot in the last minute. Try again in "
                f"{exc.retry_after} seconds.",
                429,
                retry_after=exc.retry_after,
            )
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
            wait = min(wait, RETRY_AFTER_CAP)  # the client caps it too; never a timer overflow
            return UpstreamProblem(
                "rate_limited",
                "Argil is rate-limiting this workspace",
                f"Too many requests right now. Try again in {wait} seconds.",
                503,
                retry_after=wait,
            )
        case ArgilUnavailable(reason="busy"):
            return UpstreamProblem(
                "unavailable",
                "Argil is busy",
                f"Many pages are waiting on the asset library right now. {then}",
                503,
                retry_after=BUSY_RETRY_AFTER,
            )
        case ArgilUnavailable(reason="circuit_open"):
            # The breaker says how long it stays open; errors.py stays free of settings.
            wait = max(1, round(getattr(exc, "retry_after", None) or BUSY_RETRY_AFTER))
            return UpstreamProblem(
                "unavailable",
                "Argil is not answering right now",
                "The asset library stopped answering moments ago, so the dashboard is not "
                f"waiting on it. {then}",
                503,
                retry_after=wait,
            )
        case ArgilUnavailable(reason="timeout"):
            return UpstreamProblem(
                "timeout",
                "Argil took too long to answer",
                f"The asset library did not answer in time. {then}",
                504,
            )
        case ArgilUnavailable():
            return UpstreamProblem(
                "unavailable",
                "Argil is unreachable right now",
                f"The asset library could not be reached. {then}",
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
                f"The asset library answered with something unexpected. {then}",
                502,
            )
        case _:
            return UpstreamProblem(
                "unavailable",
                "Argil could not answer",
                f"The asset library returned an error. {then}",
                502,
            )
