"""Search over the catalogue. For now only `fold()`, the one folding rule the sync writes into
`search_name` and the search applies to the query; the search queries land beside it."""

import unicodedata

from .models import ASSET_NAME_MAX_LENGTH


def fold(text: str) -> str:
    """`text` case- and accent-folded, white space runs made one space, the ends trimmed:
    "  Hárbour DRONE " -> "harbour drone". Capped at the `search_name` column's length."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split())[:ASSET_NAME_MAX_LENGTH]
