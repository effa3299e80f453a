from django.apps import AppConfig


class AssetsBrowserConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assets_browser"
    verbose_name = "Argil asset browser"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers them)
