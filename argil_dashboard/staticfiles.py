"""Static files storage: WhiteNoise's compressed manifest, rewriting ES module imports too."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # static/assets_browser/js/main.js loads the other modules by relative paths: rewrite them
    # to the hashed names, so a changed module is never served from a year-long browser cache.
    support_js_module_import_aggregation = True
