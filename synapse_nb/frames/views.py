"""The columns a frame reads inside free-form objects, from their raw JSON, without dicts.

A task's ``data`` is most of its bytes, yet the frame reads only three things inside it
(``annotations``' length, ``metadata.annotator_id``, ``metadata.timestamp``) and keeps
the rest as JSON text; ``files`` gives the primary file's URL and name. Building every
annotation as dicts to read that much is what made the obvious code slow. Here each such
object is decoded by msgspec into a *view*: a struct of only the fields some column reads
(everything else skipped, no Python object made for it), and the JSON text of the column
is the text as received, when it has no whitespace or escape for orjson to rewrite.

Same values as reading the parsed dicts (:func:`synapse_nb.frames.convert._raw_values`
and the computed columns), with one difference: the JSON text of an object keeps the
server's spelling of its numbers (``1e5`` stays ``1e5``; the record path would write
``100000.0``): the same JSON value. A value not of the view's shape (``data`` a list,
``metadata`` a string, an annotation list that is an object) raises
``msgspec.ValidationError``; the caller then reads the batch from parsed dicts instead.

Example:
    >>> from synapse_nb.frames.schema import RESOURCES
    >>> views = ObjectViews(RESOURCES["tasks"], plain={"data_unit"}, dropped=())
    >>> views.decoder("data").decode(b'{"annotations":[{}, {}],"metadata":{"annotator_id":"ann"}}')
    DataView(metadata=DataMetadataView(annotator_id='ann', timestamp=None), annotations=[...])
"""

from __future__ import annotations

from functools import partial
from operator import attrgetter
from typing import Any, Callable, Iterable, Optional, Union

import msgspec
import numpy as np
import orjson
import pyarrow as pa
from msgspec import Raw

from .arrays import _json_texts
from .computed import _annotation_counts, _primary_file_names, _primary_file_urls
from .schema import Column, Resource

__all__ = ["ObjectViews", "MISSING", "FileEntry"]

#: a field not sent (``None`` is a field sent as null)
MISSING: Any = msgspec.UNSET

FileEntry = msgspec.defstruct("FileEntry", [("url", Any, None), ("path", Any, None),
                                            ("is_primary", Any, None),
                                            ("file_name_original", Any, None)], gc=False)
_FILES_VIEW = Optional[dict[str, Union[FileEntry, str]]]  # type: ignore[valid-type]
_PRIMARY = (_primary_file_urls, _primary_file_names)
# bytes orjson would write differently: whitespace between tokens, escapes in strings
_RISKY_BYTES = (b" ", b"\\", b"\n", b"\r", b"\t")
_RISKY_TEXT = (" ", "\\", "\n", "\r", "\t")
#: rows whose views are alive at once (see :meth:`ObjectViews.columns`): well under the
#: collector's first threshold (700 new containers) with two containers a row
VIEW_SLICE = 256


def _risky(text: Any) -> bool:
    marks = _RISKY_TEXT if isinstance(text, str) else _RISKY_BYTES
    return any(mark in text for mark in marks)


def _tree(paths: Iterable[tuple[str, ...]]) -> dict[str, Any]:
    """Nested dict of the paths; a leaf is None."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path[:-1]:
            if node.get(part, {}) is None:
                raise ValueError(f"{'.'.join(path)}: a field read both as a value and an object")
            node = node.setdefault(part, {})
        if node.get(path[-1]):
            raise ValueError(f"{'.'.join(path)}: a field read both as a value and an object")
        node[path[-1]] = None
    return tree


def _view(name: str, tree: dict[str, Any], extra: list[Any]) -> Any:
    fields: list[Any] = []
    for key, sub in tree.items():
        if not key.isidentifier():
            raise ValueError(f"{key!r} is no field name for a view")
        if sub is not None:
            fields.append((key, Optional[_view(name + key.title().replace("_", ""), sub, [])],
                           None))
        else:
            fields.append((key, Any, None))
    return msgspec.defstruct(name + "View", fields + extra, gc=False)


class ObjectViews:
    """Per object field of a resource (``data``, ``files``, ...): its view decoder, and
    the columns read through it.

    ``plain``: the fields the row struct types as plain values (a dotted column under
    one of them is null: an object there refuses the typed row); ``dropped``: fields
    the frame leaves out.
    """

    def __init__(self, resource: Resource, plain: set[str], dropped: Iterable[str]) -> None:
        self.resource = resource
        self.plain = plain
        dropped = set(dropped)
        nested: dict[str, list[tuple[str, ...]]] = {}
        self.computed: dict[str, Column] = {}
        for col in resource.columns:
            if col.compute in _PRIMARY or col.compute is _annotation_counts:
                self.computed[col.name] = col
            elif col.compute is not None:
                raise ValueError(f"{col.name}: computed column without a view")
            for key in (col.source or col.name, *col.aliases):
                top, *rest = key.split(".")
                if rest and top not in plain and top not in dropped:
                    nested.setdefault(top, []).append(tuple(rest))
        computes = {c.compute for c in self.computed.values()}
        self._decoders: dict[str, msgspec.json.Decoder[Any]] = {}
        for top, paths in nested.items():
            extra = []
            if top == "data" and _annotation_counts in computes:
                extra.append(("annotations", Optional[list[Raw]], None))
            typ = _view(top.title().replace("_", ""), _tree(paths), extra)
            self._decoders[top] = msgspec.json.Decoder(Optional[typ])
        if _annotation_counts in computes and "data" not in self._decoders:
            typ = msgspec.defstruct("DataView", [("annotations", Optional[list[Raw]], None)],
                                    gc=False)
            self._decoders["data"] = msgspec.json.Decoder(Optional[typ])
        if computes & set(_PRIMARY):
            if "files" in nested:
                raise ValueError("dotted columns under files have no view")
            self._decoders["files"] = msgspec.json.Decoder(_FILES_VIEW)

    def decoder(self, key: str) -> msgspec.json.Decoder[Any]:
        return self._decoders[key]

    @property
    def viewed(self) -> set[str]:
        """The object fields decoded through a view."""
        return set(self._decoders)

    def views(self, key: str, sources: list[Any]) -> list[Any]:
        """Each row's view of ``key`` (``MISSING`` / None kept); raises
        ``msgspec.ValidationError`` when one is not of the view's shape."""
        decode = self._decoders[key].decode
        return [s if s is MISSING or s is None else decode(s) for s in sources]

    def columns(self, sources: dict[str, list[Any]], plain_values: Callable[[str], list[Any]],
                n: int) -> dict[str, list[Any]]:
        """Values of every column read inside objects (JSON text for json columns: of one
        field, an Arrow string array).

        ``sources``: per object field, each row's JSON text (bytes or str), ``None`` for
        null, or ``MISSING``; ``plain_values(field)``: a plain field's values.

        The views are made :data:`VIEW_SLICE` rows at a time, and each slice's columns read
        before the next is decoded: a view holds a container per row (the ``files`` dict,
        the ``annotations`` list), and containers that stay alive for a whole batch are
        what Python's cyclic collector counts and walks, again and again, as they age
        (a batch's views kept alive cost more than the views themselves). A slice's
        containers die before the collector's youngest generation fills.
        """
        out: dict[str, Any] = {}
        for col in self.resource.columns:
            if col.kind == "json" and len(col.path) == 1 and col.compute is None:
                out[col.name] = text_array(sources.get(col.path[0], [MISSING] * n))
        for start in range(0, n, VIEW_SLICE):
            stop = min(n, start + VIEW_SLICE)
            part = {key: values[start:stop] for key, values in sources.items()}
            plain_part = partial(_sliced, plain_values, slice(start, stop))
            for name, values in self._view_columns(part, plain_part, stop - start).items():
                out.setdefault(name, []).extend(values)
        return out

    def _view_columns(self, sources: dict[str, list[Any]],
                      plain_values: Callable[[str], list[Any]], n: int) -> dict[str, list[Any]]:
        """:meth:`columns` but the JSON text of whole fields, for one slice of rows."""
        views = {key: self.views(key, sources.get(key, [MISSING] * n)) for key in self.viewed}
        out: dict[str, list[Any]] = {}
        primary: list[list[Any]] = []  # (urls, names): one walk of the files for both columns
        for col in self.resource.columns:
            if col.compute is _annotation_counts:
                # as computed._count: not sent -> unknown; null -> 0; no list -> 0
                out[col.name] = [None if d is MISSING else 0 if d is None or d.annotations
                                 is None else len(d.annotations) for d in views["data"]]
            elif col.name in self.computed:
                if not primary:
                    primary += self._primary(views["files"], plain_values, n)
                out[col.name] = primary[0 if col.compute is _primary_file_urls else 1]
            elif len(col.path) > 1:
                values = self._dotted(col.path, views, n)
                for alias in col.aliases:  # as _raw_values: an alias fills what is empty
                    if None in values:
                        other = self._dotted(tuple(alias.split(".")), views, n)
                        if other.count(None) != len(other):
                            values = [o if v is None else v for v, o in zip(values, other)]
                out[col.name] = _json_texts(values) if col.kind == "json" else values
        return out

    def _dotted(self, path: tuple[str, ...], views: dict[str, list[Any]], n: int) -> list[Any]:
        top, *rest = path
        if top not in views:  # under a plain field (not an object) or a dropped one
            return [None] * n
        values = views[top]
        for part in rest:
            if None in values or MISSING in values:
                # a view or None here (views are of structs or null): rows without one
                # read as a struct of nulls, so that the step stays in C
                values = list(map(attrgetter(part), [_NULLS if v is None or v is MISSING
                                                     else v for v in values]))
            else:  # every value a view (a struct): read in C
                values = list(map(attrgetter(part), values))
        return values

    def _primary(self, files: list[Any], plain_values: Callable[[str], list[Any]],
                 n: int) -> tuple[list[Any], list[Any]]:
        """The primary file's URL and name of each row."""
        fast = _single_entries(files)
        if fast is not None:
            return fast
        file = plain_values("file") if "file" in self.plain else [None] * n
        urls: list[Any] = []
        names: list[Any] = []
        for entries, fallback in zip(files, file):
            entry = _primary_entry(entries) if entries else None
            if entry is None:
                urls.append(fallback if isinstance(fallback, str) else None)
                names.append(None)
            elif isinstance(entry, str):
                urls.append(entry or None)
                names.append(None)
            else:
                urls.append(entry.url or entry.path)
                names.append(entry.file_name_original)
        return urls, names


_URL, _PATH, _NAME = attrgetter("url"), attrgetter("path"), attrgetter("file_name_original")


def _single_entries(files: list[Any]) -> tuple[list[Any], list[Any]] | None:
    """:meth:`ObjectViews._primary` when every row has at least one file entry and every
    primary entry is an object: a row of one entry (a task of one image, the common case)
    is read by C-level maps, without a Python step; only the others walk their entries.
    None when some row is otherwise (no files, null, an entry that is a URL string)."""
    if not files or MISSING in files or None in files:
        return None
    try:
        lengths = list(map(len, files))
    except TypeError:  # not a dict
        return None
    if 0 in lengths:  # (next() of an empty one would end the map below early)
        return None
    entries = list(map(next, map(iter, map(dict.values, files))))
    if lengths.count(1) != len(lengths):
        for k in np.flatnonzero(np.asarray(lengths) != 1).tolist():
            entries[k] = _primary_entry(files[k])
    if set(map(type, entries)) != {FileEntry}:
        return None
    urls = list(map(_URL, entries))
    if not all(urls):  # as ``entry.url or entry.path``
        urls = [u or p for u, p in zip(urls, map(_PATH, entries))]
    return urls, list(map(_NAME, entries))


def _sliced(values_of: Callable[[str], list[Any]], rows: slice, name: str) -> list[Any]:
    return values_of(name)[rows]


class _Nulls:
    """Any field of it is None: a missing view, read as the view's fields are."""

    __slots__ = ()

    def __getattr__(self, name: str) -> None:
        return None


_NULLS = _Nulls()


def _primary_entry(files: dict[str, Any]) -> Any:
    """:func:`synapse_nb.frames.computed.primary_file` on a files view (a str entry is
    its URL)."""
    first: Any = None
    for entry in files.values():
        if isinstance(entry, str):
            if first is None:
                first = entry
        elif entry.is_primary:
            return entry
        elif first is None:
            first = entry
    return first


def text_array(sources: list[Any]) -> pa.Array:
    """:func:`texts` as an Arrow string array. When every text is raw JSON bytes kept as
    received (no whitespace or escape for orjson to rewrite, no ``null``, valid UTF-8),
    the array is made from the joined bytes and the texts' offsets: no Python string per
    row, no second copy by ``pa.array`` (less than half the time for a task's ``files``).
    Otherwise ``pa.array(texts(sources))``.

    >>> text_array([b'{"a":1}', None, b'[2]']).to_pylist()
    ['{"a":1}', None, '[2]']
    """
    n = len(sources)
    gaps = MISSING in sources or None in sources
    parts = [s for s in sources if s is not MISSING and s is not None] if gaps else sources
    data = _joined_as_received(parts)
    if data is None:
        return _texts_array(sources)
    lengths = np.fromiter(map(len, parts), np.int64, len(parts))
    validity = None
    if gaps:
        valid = np.fromiter((s is not MISSING and s is not None for s in sources), bool, n)
        spread = np.zeros(n, np.int64)
        spread[valid] = lengths
        lengths = spread
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] > _MAX_OFFSET:
        return _texts_array(sources)
    array = pa.StringArray.from_buffers(n, pa.py_buffer(offsets.astype(np.int32)),
                                        pa.py_buffer(data), validity, n - len(parts))
    try:
        array.validate(full=True)  # bytes as received: UTF-8 checked, as str() would
    except pa.ArrowInvalid:
        return _texts_array(sources)  # (raises as texts always did)
    return array


def _texts_array(sources: list[Any]) -> pa.Array:
    """``pa.array(texts(sources))``, Raw texts (msgspec) read as bytes for its per-text steps."""
    return pa.array(texts([bytes(s) if isinstance(s, Raw) else s for s in sources]), pa.string())


_MAX_OFFSET = 2**31 - 1


def _joined_as_received(parts: list[Any]) -> bytes | None:
    """The texts joined, when they are bytes (raw JSON as received) that :func:`texts`
    keeps as they are; None otherwise. (Text already decoded to ``str``, v2's ``data``,
    is faster through ``pa.array``, which copies str's UTF-8 without a check.)"""
    if not parts or not isinstance(parts[0], (bytes, Raw)):
        return None
    try:
        joined = b"".join(parts)
    except TypeError:  # str and bytes mixed
        return None
    if _risky(joined) or b"\0" in joined or b"null" in parts:
        return None
    return joined


def texts(sources: list[Any]) -> list[str | None]:
    """The JSON text of each value: as received when orjson would write it the same,
    else written by orjson as the record path does (whitespace, escapes)."""
    gaps = MISSING in sources or None in sources
    parts = [s for s in sources if s is not MISSING and s is not None] if gaps else sources
    joined: Any = "".join(parts) if parts and isinstance(parts[0], str) else b"".join(parts)
    careful = _risky(joined)
    if not careful and (b"\0" if isinstance(joined, bytes) else "\0") not in joined:
        return _plain_texts(sources, parts, joined, gaps)
    out: list[str | None] = []
    for s in sources:
        if s is MISSING or s is None:
            out.append(None)
        elif careful and _risky(s):
            value = orjson.loads(s)
            out.append(None if value is None else _json_texts([value])[0])
        else:
            text = s if isinstance(s, str) else str(s, "utf-8")
            out.append(None if text == "null" else text)
    return out


def _plain_texts(sources: list[Any], parts: list[Any], joined: Any,
                 gaps: bool) -> list[str | None]:
    """:func:`texts` when every text is kept as received: bytes decoded in one call (NUL,
    never in a JSON text, separates them), no Python step per row unless some are null."""
    if isinstance(joined, bytes):
        parts = str(b"\0".join(parts), "utf-8").split("\0") if parts else []
    out: list[Any] = list(parts)
    if "null" in out:
        out = [None if text == "null" else text for text in out]
    if gaps:
        kept = iter(out)
        out = [None if s is MISSING or s is None else next(kept) for s in sources]
    return out
