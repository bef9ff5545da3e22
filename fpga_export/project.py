"""Project folders: where an export may write, and writing it without losing anything.

Rules (DESIGN.md section 8):

- The output folder is never the current folder, one of its parents, the home folder (or a
  parent of it) or a filesystem root; ``~`` is expanded.
- Every file an export writes is recorded, with its sha256, in the folder's manifest
  (``.fpga-export-manifest.json``). A later export replaces or removes only recorded files
  whose content is still what was recorded. A file fpga-export did not write is never
  replaced or deleted; a recorded file changed since is replaced only with ``overwrite=True``
  (and left alone, unrecorded, when the export no longer writes it).
- A folder that exists, is not empty and has no manifest is refused unless
  ``overwrite=True``, which writes the project beside its files (never in place of them).
- Writers of one folder take turns (an exclusive ``flock`` on the folder). The manifest is
  written first as "pending" (old and new hashes), then every file (temporary file +
  ``os.replace``), then as complete: an interrupted write leaves a folder the next export
  recognises as its own and completes; nothing is ever half-written.

Vendor tool output (``<name>_prj/``, ``vitis_hls.log``) and the csim build log are not
recorded, so an export never deletes them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import threading
from pathlib import Path, PurePosixPath

__all__ = [
    "MANIFEST",
    "ProjectFiles",
    "ProjectFolderError",
    "is_project",
    "locked",
    "output_path",
    "recorded",
    "write_project",
]

MANIFEST = ".fpga-export-manifest.json"
_FORMAT = "fpga-export-manifest"


class ProjectFolderError(FileExistsError):
    """The folder cannot take the project without losing something of the user's."""


def output_path(path) -> Path:
    """``path`` with ``~`` expanded; refuses folders an export must never write into."""
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            f"output_dir {path!r} is empty, i.e. the current folder; give the project its own "
            "folder, e.g. output_dir='my_prj'"
        )
    out = Path(os.path.expanduser(text))
    real = out.resolve()
    cwd, home = Path.cwd().resolve(), Path.home().resolve()
    why = None
    if real == cwd:
        why = "the current folder"
    elif real in cwd.parents:
        why = "a parent of the current folder"
    elif real == home or real in home.parents:
        why = "the home folder" if real == home else "a parent of the home folder"
    elif real == Path(real.anchor):
        why = "a filesystem root"
    if why:
        raise ValueError(
            f"output_dir {text!r} is {why} ({real}); an export writes a whole project "
            "(firmware/, csim/, ...): give it its own folder, e.g. output_dir='my_prj'"
        )
    return out


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ProjectFiles:
    """The files of one export, collected in memory: relative POSIX path -> bytes."""

    def __init__(self):
        self.files: dict[str, bytes] = {}

    def add(self, rel: str, data: bytes) -> None:
        p = PurePosixPath(rel)
        if p.is_absolute() or ".." in p.parts or not p.parts or rel != str(p):
            raise ValueError(f"project file path {rel!r} must be relative and normalized")
        if rel == MANIFEST:
            raise ValueError(f"{MANIFEST} is the manifest; no export writes it as a file")
        self.files[rel] = data

    def text(self, rel: str, text: str) -> None:
        self.add(rel, text.encode())

    def copy(self, rel: str, source: Path) -> None:
        self.add(rel, Path(source).read_bytes())

    def json(self, rel: str, data: dict) -> None:
        self.text(rel, json.dumps(data, indent=1) + "\n")


_held = threading.local()  # folders whose lock this thread holds (the lock is reentrant)


@contextlib.contextmanager
def locked(folder: Path):
    """Exclusive lock of a project folder against other processes and threads (``flock`` on
    the folder itself: no lock file); reentrant within a thread."""
    key = str(Path(folder).resolve())
    held = _held.__dict__.setdefault("folders", set())
    if key in held:
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.add(key)
        yield
    finally:
        held.discard(key)
        os.close(fd)  # releases the lock


def read_manifest(folder: Path) -> dict | None:
    """The folder's manifest ({"files": {rel: sha}, "pending": {...}, "complete": bool}),
    None when there is none."""
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        if data.get("format") != _FORMAT:
            raise ValueError("not an fpga-export manifest")
        for key in ("files", "pending"):
            entries = data.get(key, {})
            if not isinstance(entries, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
            ):
                raise ValueError(f"bad {key!r} entries")
    except (OSError, ValueError, AttributeError) as exc:
        raise ProjectFolderError(
            f"{path} is not a valid fpga-export manifest ({exc}); fpga-export cannot tell "
            "which files in that folder it wrote: choose another folder"
        ) from None
    return data


def _file_sha(path: Path) -> str | None:
    """sha256 of a regular file; None when absent; "" for anything else (a folder, link)."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return ""
    try:
        return sha256(path.read_bytes())
    except (FileNotFoundError, NotADirectoryError):
        return None


def is_project(folder: Path) -> bool:
    """True when the folder has a valid fpga-export manifest (complete or interrupted)."""
    try:
        return read_manifest(folder) is not None
    except ProjectFolderError:
        return False


def recorded(folder: Path) -> dict[str, str] | None:
    """{rel: sha256} of the files the last complete export recorded (None: none)."""
    try:
        manifest = read_manifest(folder)
    except ProjectFolderError:
        return None
    return manifest["files"] if manifest and manifest.get("complete") else None


def write_project(
    folder: Path, files: ProjectFiles, *, overwrite: bool = False, update: bool = False
) -> dict[str, str]:
    """Write ``files`` into ``folder`` (module docstring); returns {rel: sha256} written.

    ``update=True`` writes only these files into an existing project and keeps its other
    recorded files (the full export replaces the whole recorded set).
    """
    folder = output_path(folder)
    if folder.exists() and not folder.is_dir():
        raise ProjectFolderError(f"output path {folder} exists and is a file, not a folder")
    if not folder.exists() and update:
        raise FileNotFoundError(f"project folder {folder} does not exist")
    _refuse_foreign(folder, overwrite)  # before the folder is touched at all
    folder.mkdir(parents=True, exist_ok=True)
    with locked(folder):
        return _write_locked(folder, files.files, overwrite, update)


def _refuse_foreign(folder: Path, overwrite: bool) -> None:
    if overwrite or not folder.is_dir() or read_manifest(folder) is not None:
        return
    if any(folder.iterdir()):
        raise ProjectFolderError(
            f"output folder {folder} exists, is not empty and is not an fpga-export project "
            f"(no {MANIFEST}); choose another folder, or pass overwrite=True to write the "
            "project beside its files (files fpga-export did not write are never replaced "
            "or deleted)"
        )


def _write_locked(folder: Path, files: dict[str, bytes], overwrite: bool, update: bool):
    _refuse_foreign(folder, overwrite)  # again: another process may have written meanwhile
    old = read_manifest(folder) or {"files": {}, "pending": {}}
    ours = {rel: {sha} for rel, sha in old["files"].items()}
    for rel, sha in old.get("pending", {}).items():  # an interrupted write: old or new content
        ours.setdefault(rel, set()).add(sha)
    new = {rel: sha256(data) for rel, data in files.items()}
    current = {rel: _file_sha(folder / rel) for rel in set(new) | set(ours)}

    foreign, changed = [], []
    for rel, sha in new.items():
        have = current[rel]
        if have is None or have == sha:
            continue  # absent, or already this content
        if have and have in ours.get(rel, ()):
            continue  # ours, unchanged since written
        if have == "" or rel not in ours:
            foreign.append(rel)
        elif not overwrite:
            changed.append(rel)
    for rel in new:  # a folder on the way that is a file or a link: never written through
        for parent in PurePosixPath(rel).parents:
            p = folder / parent
            if str(parent) != "." and (p.is_symlink() or (p.exists() and not p.is_dir())):
                foreign.append(f"{parent}/")
    if foreign:
        raise ProjectFolderError(
            f"{folder}: fpga-export would replace files it did not write: "
            f"{', '.join(sorted(set(foreign)))}; move them away or choose another folder "
            "(nothing was written; overwrite=True never replaces files fpga-export did not write)"
        )
    if changed:
        raise ProjectFolderError(
            f"{folder}: files fpga-export wrote were changed since: {', '.join(sorted(changed))}; "
            "move them away or pass overwrite=True to replace them (nothing was written)"
        )

    kept = {} if not update else {r: s for r, s in old["files"].items() if r not in new}
    still_ours = {r: current[r] for r in ours if current[r] and current[r] in ours[r]}
    _save_manifest(folder, {"files": still_ours | kept, "pending": new, "complete": False})
    for rel, data in files.items():
        if current[rel] != new[rel]:
            _replace(folder / rel, data)
    if not update:
        for rel in set(ours) - set(new):  # ours, no longer written: removed if unchanged
            if current[rel] and current[rel] in ours[rel]:
                (folder / rel).unlink()
                _remove_empty_parents(folder / rel, folder)
    _save_manifest(folder, {"files": kept | new, "pending": {}, "complete": True})
    return new


def _replace(path: Path, data: bytes) -> None:
    """Write a temporary file beside ``path`` (a new name, O_EXCL), then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        with os.fdopen(fd, "wb", buffering=0) as f:
            write_in_pieces(f, data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


WRITE_PIECE = 1 << 20


def write_in_pieces(f, data: bytes) -> None:
    """``f.write(data)`` in 1 MiB writes. Measured (bench/write_callback.py's 14 MB weight
    header): one 14 MB write() stalled at 50-127 ms in 9 of 30 tries on our CI VM, 1 MiB
    writes never passed 4.3 ms in 60; the kernel's page-cache path costs more per huge call."""
    view = memoryview(data)
    for start in range(0, len(view), WRITE_PIECE):
        piece = view[start : start + WRITE_PIECE]
        while piece:  # a raw write may be short
            piece = piece[f.write(piece) :]


def _remove_empty_parents(path: Path, root: Path) -> None:
    for parent in path.parents:
        if parent == root or root not in parent.parents:
            return
        try:
            parent.rmdir()  # only when empty: never loses a file
        except OSError:
            return


def _save_manifest(folder: Path, data: dict) -> None:
    body = {"format": _FORMAT, **data}
    _replace(folder / MANIFEST, (json.dumps(body, indent=1, sort_keys=True) + "\n").encode())
