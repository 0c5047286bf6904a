"""Turn a volume's date into the one fixed time every output of a build carries.

No output reads the clock: the EPUB's ``dcterms:modified`` and zip entries, the PDF's
metadata and the dates fontTools stamps in its font subsets all come from the volume's
``date``, else from ``SOURCE_DATE_EPOCH``, else from :data:`DEFAULT_EPOCH`, so two builds of
one manuscript give the same bytes (and the build key counts ``SOURCE_DATE_EPOCH`` only when
the volume has no date, see ``cache/builds.py``).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

DEFAULT_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest date a zip entry can carry
STAMP = "%Y-%m-%dT%H:%M:%SZ"


def modified(date: str) -> str:
    """The book's timestamp (``YYYY-MM-DDThh:mm:ssZ``): midnight of the volume's ``date``,
    else ``SOURCE_DATE_EPOCH``, else :data:`DEFAULT_EPOCH`."""
    if date:
        return f"{date}T00:00:00Z"
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    stamp = int(epoch) if epoch.isdigit() else DEFAULT_EPOCH
    return datetime.fromtimestamp(stamp, timezone.utc).strftime(STAMP)


def epoch(stamp: str) -> int:
    """Seconds since 1970 of a timestamp :func:`modified` wrote (any ISO 8601 form, UTC when
    it names no zone); :data:`DEFAULT_EPOCH` for anything else, so a build stays
    reproducible."""
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return DEFAULT_EPOCH
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())
