"""Infrastructure every package shares, written once: atomic private files, checksums,
cache paths.

- :func:`atomic_file` / :func:`atomic_path` / :func:`atomic_write`: a file appears under
  its name only once completely written (unique temporary name in the same folder, then
  ``os.replace``); a reader never sees half a file, and two writers never collide.
  Files are created ``0600``.
- :func:`private_dir`: create a folder (and missing parents) ``0700``.
- :func:`md5_file`: hex md5 of a file (the server's ``checksum``); :func:`hash_stream` feeds
  an open file into a hash that may go on (a resumed upload's md5).
- :func:`default_cache_dir`, :func:`path_key`: where caches live, and folder names that
  cannot collide; :func:`backend_identity`: the base URL and tenant local journals are
  keyed by.
- :mod:`.html`: ``esc``, ``cell_text``, ``html_table`` (escaped HTML tables of frames).
- :mod:`.progress`: ``progress_bar`` (tqdm.auto; ``progress=True/False/None`` means the same
  everywhere: always, never, when the work is large).

>>> import tempfile
>>> from pathlib import Path
>>> root = Path(tempfile.mkdtemp())
>>> p = atomic_write(root / "a" / "b.txt", "hi")
>>> p.read_text(), oct(p.stat().st_mode & 0o777), oct(p.parent.stat().st_mode & 0o777)
('hi', '0o600', '0o700')
>>> path_key("team a") != path_key("team/a")
True
"""

from __future__ import annotations

from .files import atomic_file, atomic_path, atomic_write, hash_stream, md5_file, private_dir
from .paths import backend_identity, default_cache_dir, path_key

__all__ = ["atomic_file", "atomic_path", "atomic_write", "hash_stream", "md5_file", "private_dir",
           "default_cache_dir", "path_key", "backend_identity"]
