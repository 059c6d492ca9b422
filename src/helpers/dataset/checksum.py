"""One checksum for a data package: its descriptor and every file it declares, name and bytes.

What keys every cache of the data (validated once per content, the columnar copy, a report's
notebooks): the same checksum means the same bytes in every declared file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from helpers.paths import DESCRIPTOR_NAME

CHUNK = 1 << 20


def file_digest(path: Path, digest: hashlib._Hash) -> None:
    """Feed the bytes of ``path`` (or a mark that it is missing) into ``digest``."""
    if not path.is_file():
        digest.update(b"\0missing\0")
        return
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)


def data_checksum(data_dir: Path | str) -> str:
    """SHA-256 of ``datapackage.json`` and of each resource it declares, in declared order
    (a missing file counts as missing; an unreadable descriptor hashes as its bytes)."""
    data_dir = Path(data_dir)
    descriptor = data_dir / DESCRIPTOR_NAME
    digest = hashlib.sha256()
    file_digest(descriptor, digest)
    try:
        resources = json.loads(descriptor.read_bytes())["resources"]
        paths = [str(r["path"]) for r in resources]
    except (OSError, ValueError, KeyError, TypeError):
        return digest.hexdigest()
    for path in paths:
        digest.update(b"\0" + path.encode("utf-8") + b"\0")
        file_digest(data_dir / path, digest)
    return digest.hexdigest()
