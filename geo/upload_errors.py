"""The one error of uploads: every reason an uploaded or drawn geometry cannot be used, in Chinese and English."""
from __future__ import annotations

__all__ = ["UploadError"]


class UploadError(ValueError):
    """An upload that cannot be used. ``zh`` and ``en`` say why; nothing was changed."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en
