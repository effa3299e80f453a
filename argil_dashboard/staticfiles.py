"""Static files storage: WhiteNoise's compressed manifest, rewriting ES module imports too, with
each file's URL worked out once per process."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # static/assets_browser/js/main.js loads the other modules by relative paths: rewrite them
    # to the hashed names, so a changed module is never served from a year-long browser cache.
    support_js_module_import_aggregation = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        # Every page links 28 stylesheets and modules: Django splits, looks up and joins each
        # name again on every view (about 1 ms a page). The manifest does not change while the
        # process runs (collectstatic, which rewrites it, starts the memo afresh).
        if settings.DEBUG or force or name is None:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url

    def post_process(self, *args, **kwargs):
        self._urls = {}
        yield from super().post_process(*args, **kwargs)
        self._urls = {}
