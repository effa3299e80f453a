"""How the library looks to one editor: grid or list, thumbnail size, colour theme, and the
filters panel open or collapsed.

Kept on their ``EditorProfile`` (server-side, so it follows them to every device and the page
is rendered right the first time: no flash of the wrong theme or layout). Anonymous visitors
(the log-in page) get the defaults.
"""

from dataclasses import asdict, dataclass

from .models import EditorProfile

FIELDS = ("layout", "thumb_size", "theme", "filters")


@dataclass(frozen=True, slots=True)
class Preferences:
    layout: str = EditorProfile.Layout.GRID.value
    thumb_size: str = EditorProfile.ThumbSize.MEDIUM.value
    theme: str = EditorProfile.Theme.AUTO.value
    filters: str = EditorProfile.Filters.OPEN.value

    @property
    def filters_collapsed(self) -> bool:
        return self.filters == EditorProfile.Filters.COLLAPSED

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def preferences_of(user) -> Preferences:
    if user is None or not user.is_authenticated:
        return Preferences()
    row = EditorProfile.objects.filter(user=user).values(*FIELDS).first()
    return Preferences(**row) if row else Preferences()


def save_preferences(user, changes: dict[str, str]) -> Preferences:
    """Store the given fields (already validated), leave the others as they were."""
    EditorProfile.objects.update_or_create(user=user, defaults=changes)
    return preferences_of(user)
