"""Turn a build's inputs into a key, and a build whose key is unchanged into nothing to do."""

from .builds import (FORMAT, LIBRARIES, LogCapture, Record, build_key, record, record_path,
                     replay, up_to_date, where)

__all__ = ["FORMAT", "LIBRARIES", "LogCapture", "Record", "build_key", "record", "record_path",
           "replay", "up_to_date", "where"]
