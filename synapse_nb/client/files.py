"""``url_conversion`` planning and download naming (no I/O here).

Two forms are accepted:

- the SDK form ``{"files_fields": ["files", "data.files"], "is_list": True,
  "coerce": callable, "dest_dir": optional folder}``: each file URL in those (dotted) fields is downloaded into the
  cache folder and replaced by the local :class:`~pathlib.Path`; a dict entry loses its
  ``url`` and gains ``path`` (other keys stay); ``coerce`` then maps each record;
- the seed-docs form ``{"files": lambda url: ...}``: each URL in that field is rewritten
  by the function (no download).

File names are ``sha256(whole url)[:32] + suffix``: they never leave the folder whatever
the server sends, a file already present is not fetched again, and two URLs that differ
only in their query (``?v=1``, ``?v=2``) are two files.

A file that fails (an error answer, an HTML page where a file was expected, no answer)
does not lose the listing: its field keeps the URL, the record gets
``url_conversion_errors`` (a list of ``{"field", "url", "error"}``; URLs without their
query), and one :class:`UrlConversionWarning` says how many files and records failed.

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
import functools
import hashlib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from synapse_nb._util.paths import safe_join as _safe_join

__all__ = ["UrlConversion", "UrlConversionWarning", "DownloadFailed", "cache_name", "safe_join",
           "wrong_content"]

_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"})

_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


def cache_name(url: str) -> str:
    """A flat, safe file name for ``url`` (hash of the whole URL, plus the path's suffix).

    >>> cache_name("http://h/a.png?v=1") != cache_name("http://h/a.png?v=2")
    True
    """
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if not _SUFFIX.match(suffix):
        suffix = ""
    return hashlib.sha256(url.encode()).hexdigest()[:32] + suffix


def wrong_content(url: str, content_type: str) -> str | None:
    """Why an answer with ``content_type`` cannot be the file at ``url`` (None: it can).

    An HTML page (a login or proxy page answered with 200) is never a file, unless the URL
    names an HTML file; an image URL wants an image (or a generic binary type).

    >>> wrong_content("http://h/a.png?sig=1", "text/html; charset=utf-8")
    'expected a file for .png, got text/html (an error or login page?); nothing was saved'
    >>> wrong_content("http://h/a.png", "image/png") is None, wrong_content("http://h/a.zip", "") is None
    (True, True)
    """
    ctype = content_type.split(";")[0].strip().lower()
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    wrong = ctype == "text/html" and suffix not in (".html", ".htm")
    wrong |= suffix in _IMAGE_SUFFIXES and bool(ctype) and not ctype.startswith("image/") and \
        ctype not in ("application/octet-stream", "binary/octet-stream")
    if not wrong:
        return None
    return f"expected a file for {suffix or 'this URL'}, got {ctype} (an error or login page?); nothing was saved"


class UrlConversionWarning(UserWarning):
    """Some files of a ``url_conversion`` could not be fetched (their fields keep the URL)."""


@dataclass
class DownloadFailed:
    """What a download inside a ``Gather`` gives back instead of raising (see ``Gather``)."""

    url: str
    error: Exception

    def describe(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"[:300]


def safe_join(folder: Path, name: str) -> Path:
    """``folder / name`` resolved, refusing any name that could land outside ``folder``
    (the one safe join, :func:`synapse_nb._util.paths.safe_join`).

    >>> safe_join(Path("/tmp/c"), "../etc/passwd")
    Traceback (most recent call last):
    ...
    synapse_nb._util.paths.UnsafePathError: refusing the path part '../etc/passwd' under /tmp/c: '..' is '..' (it could lead outside)
    """
    folder = Path(folder).resolve()
    return _safe_join(folder, name).resolve()


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
            nxt: list[Any] = []
            for node in nodes:
                value = node.get(part) if isinstance(node, dict) else None
                if isinstance(value, list):
                    nxt.extend(v for v in value if isinstance(v, dict))
                elif isinstance(value, dict):
                    nxt.append(value)
            nodes = nxt
        return [(n, parts[-1]) for n in nodes if isinstance(n, dict) and parts[-1] in n]

    def _visit(self, value: Any, fn: Callable[[str], Any]) -> Any:
        """Map every URL inside a field value (string, dict of files, list); a URL for
        which ``fn`` answers None stays as it is."""
        if _is_url(value):
            new = fn(value)
            return value if new is None else new
        if isinstance(value, list):
            return [self._visit(v, fn) for v in value]
        if isinstance(value, dict):
            if _is_url(value.get("url")):  # one file dict: url -> path
                path = fn(value["url"])
                if path is None:
                    return value
                out = {k: v for k, v in value.items() if k != "url"}
                out["path"] = path
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
        """Copies of ``records`` with URLs replaced (by ``paths[url]`` or the rewrite).

        A :class:`DownloadFailed` in ``paths`` leaves its URL in place and is reported on
        the record (``url_conversion_errors``) and in one warning.
        """
        out = []
        failed_records = 0
        for rec in records:
            rec = copy.copy(rec)
            errors: list[dict[str, str]] = []
            for dotted in self.fields:
                head = dotted.split(".")[0]
                if isinstance(rec, dict) and head in rec:
                    rec[head] = copy.deepcopy(rec[head])
                for holder, key in self._holders(rec, dotted):
                    if self.download:
                        holder[key] = self._visit(holder[key], functools.partial(
                            _path_or_none, dotted=dotted, paths=paths, errors=errors))
                    else:
                        holder[key] = self._visit(holder[key], self.rewrite[dotted])
            if errors and isinstance(rec, dict):
                rec["url_conversion_errors"] = errors
                failed_records += 1
            if self.coerce is not None:
                rec = self.coerce(rec)
            out.append(rec)
        failed = [v for v in paths.values() if isinstance(v, DownloadFailed)]
        if failed:
            warnings.warn(
                f"url_conversion: {len(failed)} of {len(paths)} files could not be fetched "
                f"({failed_records} of {len(records)} records); their fields keep the URL and the "
                f"records say why in 'url_conversion_errors' (first: {failed[0].describe()})",
                UrlConversionWarning, stacklevel=2)
        return out


def _bare(url: str) -> str:
    return url.split("?", 1)[0]


def _path_or_none(url: str, dotted: str, paths: Mapping[str, Any], errors: list[dict[str, str]]) -> Any:
    got = paths.get(url, url)
    if isinstance(got, DownloadFailed):
        errors.append({"field": dotted, "url": _bare(url), "error": got.describe()})
        return None
    return got
