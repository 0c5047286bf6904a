"""Turn a build's inputs into a key, and a build whose key is unchanged into nothing to do.

The public API of the package: the build's key and record (``builds``), the keys that other
caches are made of (anthology's own files, the libraries' versions), and the user's cache
folder where stages keep what saves the next run time (``store``), and the print edition's
chunks kept from the last build into a folder (``chunks``). Standard library only:
every build passes through here before anything heavy is imported.
"""

from .builds import (FORMAT, LIBRARIES, LogCapture, Record, build_key, library_versions,
                     package_digest, record, record_path, replay, up_to_date, where)
from .chunks import ChunkCache, chunks_path
from .store import keep, user_cache

__all__ = ["ChunkCache", "FORMAT", "LIBRARIES", "LogCapture", "Record", "build_key",
           "chunks_path", "keep", "library_versions", "package_digest", "record", "record_path",
           "replay", "up_to_date", "user_cache", "where"]
