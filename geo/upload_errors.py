"""The one error of uploads: every reason an uploaded or drawn geometry cannot be used, in Chinese and English."""
from __future__ import annotations

from core.errors import UserError

__all__ = ["UploadError"]


class UploadError(UserError):
    """An upload that cannot be used. ``zh`` and ``en`` say why; nothing was changed."""
