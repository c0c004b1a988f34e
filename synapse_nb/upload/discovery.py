"""Find the files of a folder and group them into would-be data units.

The layout users know from the SDK upload plugin: one sub-folder per file
specification of the data collection, named exactly as the spec. Files of
different specs belong to one data unit when they share a stem (in recursive
mode: the relative folder plus the stem). This module does no network I/O.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

from .errors import FolderError

__all__ = [
    "FileSpec",
    "Group",
    "SkippedFile",
    "Discovery",
    "discover_files",
    "specs_from_collection",
    "SYSTEM_NAMES",
]

#: File and folder names that are never data (OS litter, VCS and tool folders).
SYSTEM_NAMES = frozenset(
    {
        ".DS_Store",
        "Thumbs.db",
        "thumbs.db",
        "desktop.ini",
        "Desktop.ini",
        "__pycache__",
        ".git",
        ".svn",
        ".hg",
        ".ipynb_checkpoints",
        ".synapse_nb",
        "__MACOSX",
        "@eaDir",
        ".Spotlight-V100",
        ".Trashes",
    }
)


@dataclass(frozen=True)
class FileSpec:
    """One file specification of a data collection (``file_specifications[i]``).

    >>> FileSpec.from_dict({"name": "image_1", "is_required": True, "extensions": ["JPG"]}).extensions
    ('.jpg',)
    """

    name: str
    is_required: bool = False
    is_primary: bool = False
    file_type: str | None = None
    extensions: tuple[str, ...] = ()
    index: int = 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FileSpec:
        exts = data.get("extensions") or ()
        if isinstance(exts, str):
            exts = [e for e in exts.replace(";", ",").split(",")]
        norm = tuple(
            e if e.startswith(".") else "." + e
            for e in (str(x).strip().lower() for x in exts)
            if e and e not in {".", "*", ".*"}
        )
        return cls(
            name=str(data["name"]),
            is_required=bool(data.get("is_required", False)),
            is_primary=bool(data.get("is_primary", False)),
            file_type=data.get("file_type"),
            extensions=norm,
            index=int(data.get("index") or 0),
        )

    def accepts(self, path: Path) -> bool:
        """True when the file's extension is allowed (no list means any)."""
        return not self.extensions or path.suffix.lower() in self.extensions


@dataclass
class Group:
    """Files that share a key (stem, or relative folder + stem): one data unit."""

    key: str
    stem: str
    files: dict[str, Path] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class SkippedFile:
    """A file left out of every group, and why."""

    path: Path
    reason: str
    spec: str | None = None


@dataclass
class Discovery:
    """What :func:`discover_files` found: groups (complete or not) and skipped files."""

    root: Path
    specs: list[FileSpec]
    groups: list[Group]
    skipped: list[SkippedFile]
    spec_folders: dict[str, Path]


def specs_from_collection(collection: Mapping[str, Any]) -> list[FileSpec]:
    """The collection's file specifications as :class:`FileSpec`, in ``index`` order.

    >>> [s.name for s in specs_from_collection({"file_specifications": [{"name": "a"}]})]
    ['a']
    """
    raw = collection.get("file_specifications") or []
    specs = [FileSpec.from_dict(s) for s in raw]
    specs.sort(key=lambda s: s.index)
    return specs


def _is_system(name: str) -> bool:
    # Dot-files are hidden by convention (editor swap files, AppleDouble "._x").
    return name in SYSTEM_NAMES or name.startswith(".") or name.startswith("~$")


def _outside(path: Path, root: Path) -> str | None:
    """Why ``path`` (symlinks resolved) is not a file of ``root``, or None when it is."""
    # The loop is asked of the OS (stat says ELOOP on every version): Path.resolve() raises
    # RuntimeError for it up to 3.12 and returns a path from 3.13 on, which would turn the
    # reason into "not a regular file" there.
    try:
        os.stat(path)
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "symlink loop (following the link never reaches a file)"
    try:
        path.resolve().relative_to(root)
    except RuntimeError:  # Python < 3.13, for a loop os.stat did not see (a racing change)
        return "symlink loop (following the link never reaches a file)"
    except OSError as err:
        return f"cannot resolve the link: {err.strerror or err}"
    except ValueError:
        return "link points outside the folder"
    return None


def _walk(folder: Path, recursive: bool) -> Iterable[tuple[Path, str | None]]:
    """Yield (file, skip reason or None) below ``folder``, system names pruned."""
    if not recursive:
        for entry in sorted(folder.iterdir()):
            if entry.is_dir():
                if not _is_system(entry.name):
                    yield entry, "sub-folder ignored in flat mode (use recursive=True)"
                continue
            yield entry, "system file" if _is_system(entry.name) else None
        return
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        # Pruning in place keeps os.walk out of .git, __pycache__, ...
        dirnames[:] = sorted(d for d in dirnames if not _is_system(d))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            yield p, "system file" if _is_system(name) else None


def discover_files(root: str | os.PathLike[str], specs: list[FileSpec], recursive: bool = True) -> Discovery:
    """Walk ``root/<spec name>/`` for every spec and group the files by key.

    Raises :class:`FolderError` for a missing or empty folder, or when no
    sub-folder is named after any spec.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "image").mkdir(); _ = (d / "image" / "a.jpg").write_bytes(b"x")
    >>> [g.key for g in discover_files(d, [FileSpec("image", is_required=True)]).groups]
    ['a']
    """
    root_path = Path(root).expanduser()
    if not root_path.exists():
        raise FolderError(f"folder {str(root_path)!r} does not exist; check the path")
    if not root_path.is_dir():
        raise FolderError(f"{str(root_path)!r} is a file, not a folder; pass the folder that holds one sub-folder per file spec")
    try:
        root_real = root_path.resolve()
    except (RuntimeError, OSError) as err:
        raise FolderError(f"folder {str(root_path)!r} cannot be resolved ({err}); check its links") from err
    visible = [p for p in root_path.iterdir() if not _is_system(p.name)]
    if not visible:
        raise FolderError(f"folder {str(root_path)!r} is empty; put one sub-folder per file spec in it")
    if not specs:
        raise FolderError("the data collection has no file specifications; nothing can be uploaded into it")

    spec_folders = {s.name: root_path / s.name for s in specs if (root_path / s.name).is_dir()}
    if not spec_folders:
        found = sorted(p.name for p in visible if p.is_dir())
        raise FolderError(
            f"no sub-folder of {str(root_path)!r} matches a file spec; expected folders named "
            f"{[s.name for s in specs]}, found {found or 'no sub-folders'}"
        )

    # key -> spec -> (path, mtime); the newer candidate wins when a spec has two.
    chosen: dict[str, dict[str, tuple[Path, float]]] = {}
    skipped: list[SkippedFile] = []
    for spec in specs:
        folder = spec_folders.get(spec.name)
        if folder is None:
            continue
        for path, reason in _walk(folder, recursive):
            if reason:
                skipped.append(SkippedFile(path, reason, spec.name))
                continue
            outside = _outside(path, root_real)
            if outside:
                skipped.append(SkippedFile(path, outside, spec.name))
                continue
            if not path.is_file():
                skipped.append(SkippedFile(path, "not a regular file", spec.name))
                continue
            if not spec.accepts(path):
                skipped.append(
                    SkippedFile(path, f"extension {path.suffix or '(none)'} not allowed for spec {spec.name!r} {list(spec.extensions)}", spec.name)
                )
                continue
            rel = PurePosixPath(path.relative_to(folder).as_posix())
            key = str(rel.with_suffix("")) if recursive else path.stem
            try:
                mtime = path.stat().st_mtime
            except OSError as err:
                skipped.append(SkippedFile(path, f"cannot read: {err.strerror or err}", spec.name))
                continue
            slot = chosen.setdefault(key, {})
            prev = slot.get(spec.name)
            if prev is None:
                slot[spec.name] = (path, mtime)
            elif (mtime, path.name) > (prev[1], prev[0].name):
                skipped.append(SkippedFile(prev[0], f"older duplicate of {path.name} for spec {spec.name!r}", spec.name))
                slot[spec.name] = (path, mtime)
            else:
                skipped.append(SkippedFile(path, f"older duplicate of {prev[0].name} for spec {spec.name!r}", spec.name))

    required = [s.name for s in specs if s.is_required]
    groups = []
    for key in sorted(chosen):
        files = {name: chosen[key][name][0] for name in (s.name for s in specs) if name in chosen[key]}
        missing = [name for name in required if name not in files]
        groups.append(Group(key=key, stem=PurePosixPath(key).name, files=files, missing=missing))
    return Discovery(root=root_path, specs=specs, groups=groups, skipped=skipped, spec_folders=spec_folders)
