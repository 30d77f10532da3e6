"""What the login tests share (tests/security/test_login.py: one server; tests/test_login_shared.py: several on
PostGIS): the accounts, a stand-in for the bcrypt check that counts the checks really made, and guesses that all
start at one moment."""
from __future__ import annotations

import threading
import time

from layers.editor_accounts import Editor

RIGHT = {"wang": "wang's right password", "li": "li's right password"}
ACCOUNTS = {u: Editor(u, u, "$2b$12$" + "x" * 53) for u in RIGHT}  # never given to bcrypt: check is injected
ATTACKER, EDITOR_CLIENT = "ip:203.0.113.9", "ip:198.51.100.7"


class CountingCheck:
    """Stands in for verify(): counts the password checks that really happen; optionally slow like bcrypt."""

    def __init__(self, pause_s: float = 0.0):
        self.users: list[str] = []
        self.pause_s = pause_s
        self._lock = threading.Lock()

    def __call__(self, username, password, editors):
        with self._lock:
            self.users.append(username)
        if self.pause_s:
            time.sleep(self.pause_s)  # widens the window between "allowed?" and "record the failure"
        return editors.get(username) if RIGHT.get(username) == password else None


def at_once(n: int, guess) -> None:
    """guess(i) for i in range(n), each in its own thread, all released together; returns when all are done."""
    start = threading.Barrier(n)

    def run(i):
        start.wait()
        guess(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
