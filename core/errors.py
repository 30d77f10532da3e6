"""One error family. A `UserError` is bad input — a file, a row, a URL value, a command-line argument — and carries
a Chinese message for the people who use the map (and an English detail where useful). Nothing was changed when one
is raised. The CLI prints it and exits 2; the app shows it with st.error. Anything else is a bug: the app shows a
short Chinese notice and logs the traceback."""
from __future__ import annotations


class UserError(ValueError):
    """Bad input, said in Chinese (``zh``) and English (``en``, optional); nothing was changed."""

    def __init__(self, zh: str, en: str = ""):
        self.zh, self.en = str(zh), str(en or "")
        super().__init__(f"{self.zh} / {self.en}" if self.en else self.zh)
