"""Write a file so that no reader ever sees half of it: the bytes go to a temporary file beside the target, are
flushed to disk, and replace the target in one step (os.replace is atomic on one filesystem). The target is
resolved like every output of ours (layers.safe_write.resolve_target): through symlinks, never a device or pipe."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from core.errors import UserError
from layers.safe_write import resolve_target


def write_bytes(target, data: bytes, mode: int | None = None) -> Path:
    """Replace (or create) the file ``target`` names with ``data``. Returns the path written. ``mode``: the file's
    permissions (e.g. 0o600 for a file of secrets); default an ordinary file (0666 less the umask)."""
    path = resolve_target(target)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as e:  # no such folder, no permission, read-only file system
        raise UserError(f"无法写入 {target}：{e.strerror}（请检查目录是否存在、是否可写）。",
                        f"Cannot write {target}: {e.strerror}.") from None
    try:
        if mode is None:
            mask = os.umask(0)
            os.umask(mask)
            mode = 0o666 & ~mask  # an ordinary file for its reader (mkstemp makes it private)
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
