"""Write outputs atomically: to temporary files beside the targets, then move them into place
only when every one was written, so that a failure never leaves a half-written file.

Temporary files are removed on every exit path, including SIGTERM in the main thread; each is
flushed to disk (``fsync``) before it replaces its target, and the folder after. A run killed
outright (SIGKILL, power loss) can still leave temporaries: their names match ``TEMP_NAME``, and
``remove_leftovers`` clears them from a folder the caller owns. ``exclusive_lock`` serialises
writers of one folder between processes.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from helpers.errors import DataError

Writer = Callable[[Path], None]

# ".<stem>.<8 random characters of tempfile><suffix>", as tempfile.mkstemp/mkdtemp name them
# with the prefixes and suffixes used here and in publish/ (".running.ipynb", ".new", ".old").
TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}(\.running)?\.[A-Za-z0-9]+$")


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``finally`` blocks run before the exit."""


@contextmanager
def _cleanup_on_sigterm() -> Iterator[None]:
    """While active (main thread, SIGTERM not handled by anyone else), SIGTERM unwinds the stack
    instead of killing the process at once; the process then dies of SIGTERM as it would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return

    def raise_terminated(signum: int, frame: object) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, raise_terminated)
    terminated = False
    try:
        yield
    except _Terminated:
        terminated = True
    finally:
        signal.signal(signal.SIGTERM, previous)
    if terminated:
        os.kill(os.getpid(), signal.SIGTERM)
        raise SystemExit(128 + signal.SIGTERM)  # pragma: no cover - the signal ends the process


def _fsync(path: Path) -> None:
    """Flush a file's or a folder's content to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all_atomic(writers: Mapping[Path, Writer]) -> None:
    """Call each ``write(tmp_path)``; move the results to their targets only if all succeeded."""
    temps: dict[Path, Path] = {}
    with _cleanup_on_sigterm():
        try:
            for target, write in writers.items():
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(
                    dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix
                )
                os.close(fd)
                temps[target] = Path(tmp)
                write(Path(tmp))
                os.chmod(tmp, 0o644)
                _fsync(Path(tmp))
            for target, tmp in temps.items():
                os.replace(tmp, target)
            for folder in sorted({target.parent for target in temps}):
                _fsync(folder)
        finally:
            for tmp in temps.values():
                if tmp.exists():
                    tmp.unlink()


def write_atomic(path: Path | str, write: Writer) -> None:
    """Call ``write(tmp_path)`` and move the result to ``path`` only if it succeeded."""
    write_all_atomic({Path(path): write})


def write_text_atomic(path: Path | str, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def remove_leftovers(folder: Path, prefix: str = "") -> list[Path]:
    """Remove the temporaries (files or staging folders named like ``TEMP_NAME``, and starting
    with ``prefix``) that a killed run left directly in ``folder``; return what was removed,
    sorted. Only for folders the caller writes and holds the lock of, so that no running
    writer's temporary is removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.iterdir()):
        if not (path.name.startswith(prefix) and TEMP_NAME.match(path.name)):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(path)
    return removed


@contextmanager
def exclusive_lock(path: Path, *, wait: float, busy: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the duration.

    Waits at most ``wait`` seconds (0: not at all) for another holder, then raises DataError
    with the message ``busy``. The lock goes with the process: a killed holder frees it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DataError(busy) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
