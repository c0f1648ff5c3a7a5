"""Writing what `tqc compile` and `tqc run` produce: all or nothing, nothing stale, nothing
replaced without `--force`, and no option silently ignored.

- `write_folder`: the files go into a fresh temporary sibling folder, which is renamed into place
  once complete; a folder already there is replaced whole (so files of an earlier compile under
  another name do not linger) and only with `force`, and only if it is empty or tqc wrote it (it
  holds the marker file `MARKER`): `--force` never deletes a folder of the user's.
- `write_file`: one file (`run --output`), written to a temporary sibling and renamed.
- `check_options`: the options that apply to a target (`APPLIES`); another is an error.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from tqc.errors import TqcError

MARKER = ".tqc-output"
# option (as the CLI spells it) -> the targets it applies to
APPLIES: dict[str, tuple[str, ...]] = {
    "--parallel": ("verilog",),
    "--stream": ("numpy", "c"),
}


def check_options(target: str, given: Mapping[str, object]) -> None:
    """Refuse an option that was given (not None / False) but does not apply to `target`."""
    for option, value in given.items():
        targets = APPLIES.get(option)
        if targets is None or value is None or value is False or target in targets:
            continue
        what = "stream mode (state carried between invocations)" if option == "--stream" else option
        raise TqcError(f"{option} does not apply to --target {target}: {what} is for "
                       f"--target {' or '.join(targets)}")


def _is_ours(folder: Path) -> bool:
    return (folder / MARKER).is_file() or not any(folder.iterdir())


def _check_replaceable(folder: Path, force: bool, inputs: tuple[Path, ...]) -> None:
    if not folder.exists() and not folder.is_symlink():
        return
    if not folder.is_dir() or folder.is_symlink():
        raise TqcError(f"output '{folder}' exists and is not a folder")
    for source in inputs:
        if source.resolve().is_relative_to(folder.resolve()):
            raise TqcError(f"output folder '{folder}' holds the input '{source}'")
    if not any(folder.iterdir()):
        return
    if not force:
        raise TqcError(f"output folder '{folder}' exists (use --force to replace it)")
    if not _is_ours(folder):
        raise TqcError(f"output folder '{folder}' was not written by tqc (no {MARKER}); "
                       "--force replaces only tqc's folders: remove it yourself")


def write_folder(folder: str | Path, files: Mapping[str, str | bytes], force: bool = False,
                 inputs: tuple[Path, ...] = ()) -> None:
    """Write `files` (relative path -> content) as the folder `folder`, all or nothing."""
    folder = Path(folder)
    _check_replaceable(folder, force, inputs)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tqc-", dir=folder.parent))
    except OSError as e:
        raise TqcError(f"cannot write '{folder}': {e.strerror}") from None
    try:
        for name, content in {**files, MARKER: "written by tqc; `tqc compile --force` may replace this folder\n"}.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        _swap_in(staging, folder)
    except OSError as e:
        raise TqcError(f"cannot write '{folder}': {e.strerror or e}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, folder: Path) -> None:
    """Rename `staging` to `folder`; an existing `folder` is moved aside first and removed after
    (restored if the rename fails)."""
    if not folder.exists():
        os.rename(staging, folder)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
    os.rmdir(old)
    os.rename(folder, old)
    try:
        os.rename(staging, folder)
    except OSError:
        os.rename(old, folder)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_file(path: str | Path, write: Callable[[Path], None], force: bool = False) -> None:
    """Write one file through `write(temporary_path)`, renamed to `path` when complete; an
    existing `path` is replaced only with `force`."""
    path = Path(path)
    if path.is_dir():
        raise TqcError(f"output '{path}' is a folder")
    if path.exists() and not force:
        raise TqcError(f"output '{path}' exists (use --force to replace it)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise TqcError(f"cannot write '{path}': {e.strerror}") from None
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as e:
        raise TqcError(f"cannot write '{path}': {e.strerror or e}") from None
    finally:
        tmp.unlink(missing_ok=True)
