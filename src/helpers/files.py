"""Write outputs atomically: to temporary files beside the targets, then move them into place
only when every one was written, so that a failure never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

Writer = Callable[[Path], None]


def write_all_atomic(writers: Mapping[Path, Writer]) -> None:
    """Call each ``write(tmp_path)``; move the results to their targets only if all succeeded."""
    temps: dict[Path, Path] = {}
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
        for target, tmp in temps.items():
            os.replace(tmp, target)
    finally:
        for tmp in temps.values():
            if tmp.exists():
                tmp.unlink()


def write_atomic(path: Path | str, write: Writer) -> None:
    """Call ``write(tmp_path)`` and move the result to ``path`` only if it succeeded."""
    write_all_atomic({Path(path): write})


def write_text_atomic(path: Path | str, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
