"""``url_conversion`` planning and download naming (no I/O here).

Two forms are accepted:

- the SDK form ``{"files_fields": ["files", "data.files"], "is_list": True,
  "coerce": callable, "dest_dir": optional folder}``: each file URL in those (dotted) fields is downloaded into the
  cache folder and replaced by the local :class:`~pathlib.Path`; a dict entry loses its
  ``url`` and gains ``path`` (other keys stay); ``coerce`` then maps each record;
- the seed-docs form ``{"files": lambda url: ...}``: each URL in that field is rewritten
  by the function (no download).

File names are ``sha256(url without query)[:32] + suffix``: they never leave the folder
whatever the server sends, and a file already present is not fetched again.

>>> name = cache_name("https://h/media/a/cat.JPG?sig=1")
>>> name.endswith(".jpg") and "/" not in name
True
>>> conv = UrlConversion.parse({"files_fields": ["files"]})
>>> recs = [{"files": {"image": {"url": "http://h/a.png", "is_primary": True}}}]
>>> conv.urls(recs)
['http://h/a.png']
>>> conv.apply(recs, {"http://h/a.png": Path("/c/x.png")})[0]["files"]["image"]
{'is_primary': True, 'path': PosixPath('/c/x.png')}
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable, Iterator, Mapping
from urllib.parse import urlsplit, urlunsplit

__all__ = ["UrlConversion", "atomic_file", "cache_name", "safe_join"]

_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


def cache_name(url: str) -> str:
    """A flat, safe file name for ``url`` (hash of the URL without query, plus suffix)."""
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    suffix = PurePosixPath(parts.path).suffix.lower()
    if not _SUFFIX.match(suffix):
        suffix = ""
    return hashlib.sha256(bare.encode()).hexdigest()[:32] + suffix


def safe_join(folder: Path, name: str) -> Path:
    """``folder / name``, refusing any name that would land outside ``folder``.

    >>> safe_join(Path("/tmp/c"), "../etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: refusing to write '../etc/passwd' outside /tmp/c
    """
    folder = Path(folder).resolve()
    target = (folder / name).resolve()
    if target.parent != folder and folder not in target.parents:
        raise ValueError(f"refusing to write {name!r} outside {folder}")
    return target


@contextmanager
def atomic_file(target: Path) -> Iterator[BinaryIO]:
    """A file that appears at ``target`` only once completely written: a download cut
    short (error, dropped connection, killed process) never leaves a partial file that a
    later run would take for the real one."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


@dataclass
class UrlConversion:
    """A parsed ``url_conversion`` argument."""

    fields: list[str] = field(default_factory=list)
    download: bool = True
    coerce: Callable[[Any], Any] | None = None
    rewrite: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    #: where files go (``dest_dir`` in the spec); None: ``<client.cache_dir>/files``
    folder: Path | None = None

    @classmethod
    def parse(cls, spec: Mapping[str, Any] | None) -> "UrlConversion | None":
        if not spec:
            return None
        if not isinstance(spec, Mapping):
            raise TypeError("url_conversion must be a dict such as {'files_fields': ['files']}")
        if "files_fields" in spec:
            fields = spec["files_fields"]
            if isinstance(fields, str):
                fields = [fields]
            coerce = spec.get("coerce")
            if coerce is not None and not callable(coerce):
                raise TypeError("url_conversion['coerce'] must be callable")
            folder = Path(spec["dest_dir"]).expanduser() if spec.get("dest_dir") else None
            return cls(fields=list(fields), coerce=coerce, folder=folder)
        rewrite = {}
        for key, fn in spec.items():
            if key in ("is_list", "coerce", "dest_dir"):
                continue
            if not callable(fn):
                raise TypeError(f"url_conversion[{key!r}] must be a function of the URL, "
                                "or use {'files_fields': [...]} to download files")
            rewrite[key] = fn
        return cls(fields=list(rewrite), download=False, rewrite=rewrite)

    # -- walking the records ------------------------------------------------------------
    @staticmethod
    def _holders(record: Any, dotted: str) -> list[tuple[Any, Any]]:
        """(container, key) pairs that hold the field's value; missing parts are skipped."""
        parts = dotted.split(".")
        nodes = [record]
        for part in parts[:-1]:
            nxt = []
            for node in nodes:
                value = node.get(part) if isinstance(node, dict) else None
                if isinstance(value, list):
                    nxt.extend(v for v in value if isinstance(v, dict))
                elif isinstance(value, dict):
                    nxt.append(value)
            nodes = nxt
        return [(n, parts[-1]) for n in nodes if isinstance(n, dict) and parts[-1] in n]

    def _visit(self, value: Any, fn: Callable[[str], Any]) -> Any:
        """Map every URL inside a field value (string, dict of files, list)."""
        if _is_url(value):
            return fn(value)
        if isinstance(value, list):
            return [self._visit(v, fn) for v in value]
        if isinstance(value, dict):
            if _is_url(value.get("url")):  # one file dict: url -> path
                out = {k: v for k, v in value.items() if k != "url"}
                out["path"] = fn(value["url"])
                return out
            return {k: self._visit(v, fn) for k, v in value.items()}
        return value

    def urls(self, records: list[Any]) -> list[str]:
        """Every distinct URL to download, in first-seen order."""
        found: dict[str, None] = {}
        for rec in records:
            for dotted in self.fields:
                for holder, key in self._holders(rec, dotted):
                    self._visit(holder[key], lambda u: found.setdefault(u, None))
        return list(found)

    def apply(self, records: list[Any], paths: Mapping[str, Any]) -> list[Any]:
        """Copies of ``records`` with URLs replaced (by ``paths[url]`` or the rewrite)."""
        out = []
        for rec in records:
            rec = copy.copy(rec)
            for dotted in self.fields:
                head = dotted.split(".")[0]
                if isinstance(rec, dict) and head in rec:
                    rec[head] = copy.deepcopy(rec[head])
                for holder, key in self._holders(rec, dotted):
                    if self.download:
                        holder[key] = self._visit(holder[key], lambda u: paths.get(u, u))
                    else:
                        holder[key] = self._visit(holder[key], self.rewrite[dotted])
            if self.coerce is not None:
                rec = self.coerce(rec)
            out.append(rec)
        return out
