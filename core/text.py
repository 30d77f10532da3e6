"""Text files people edit (Excel included): UTF-8 with or without BOM, or GBK/GB18030 as Excel saves on a Chinese
Windows machine."""
from __future__ import annotations

ENCODINGS = ("utf-8-sig", "gb18030")


def decode(data: bytes) -> str:
    """The text of a file in one of ENCODINGS; UnicodeDecodeError (of the last tried) if none fits."""
    error = None
    for enc in ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as e:
            error = e
    raise error
