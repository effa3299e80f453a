"""The words for Argil's asset types and statuses, and why an asset cannot be picked: said once
here, and used by the filters, the cards, the add-by-URL form, the boards' stored choices and the
templates (the ``type_label`` and ``status_label`` filters)."""

from .api import AssetStatus, AssetType

# One asset's type, as its badge says it.
TYPE_LABELS = {AssetType.AUDIO: "Audio", AssetType.IMAGE: "Image", AssetType.VIDEO: "Video"}
# Assets of a type, as the filters list them (in this order).
TYPE_PLURALS = {AssetType.IMAGE: "Images", AssetType.VIDEO: "Videos", AssetType.AUDIO: "Audio"}
STATUS_LABELS = {
    AssetStatus.READY: "Ready",
    AssetStatus.PROCESSING: "Processing",
    AssetStatus.FAILED: "Failed",
}
# What add-by-URL offers, in this order: Argil takes no audio uploads.
UPLOAD_TYPES = (AssetType.VIDEO, AssetType.IMAGE)

# Why an asset cannot be picked, in the words the Pick toggle shows.
BLOCKED_REASONS = {
    AssetStatus.PROCESSING: "Processing — can be picked once ready",
    AssetStatus.FAILED: "Failed — upload it again",
}


def type_label(value: str) -> str:
    """ "Video" for VIDEO; an unknown value as it is, capitalised."""
    try:
        return TYPE_LABELS[AssetType(value)]
    except ValueError:
        return str(value).capitalize()


def status_label(value: str) -> str:
    """ "Ready" for READY; an unknown value as it is, capitalised."""
    try:
        return STATUS_LABELS[AssetStatus(value)]
    except ValueError:
        return str(value).capitalize()


def blocked_reason(status: str) -> str:
    """Why an asset with this status cannot be picked; "" when it can (READY)."""
    try:
        return BLOCKED_REASONS.get(AssetStatus(status), "")
    except ValueError:
        return "Unknown status — cannot be picked"
