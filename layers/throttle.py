"""Failure counters that slow guessing down: one Limit per kind of key (a user name, a client, everyone).

A Limit remembers, per key, how many failures happened and when the last one was. The first ``max_failures`` are
free; after that the key must wait ``base_s`` after its last failure, doubling with every further failure up to
``max_s`` (never longer: a Limit slows down, it never locks out). A key with no failure for ``ttl_s`` is forgotten.

Memory is bounded: at most ``capacity`` keys, in an OrderedDict kept in order of the last failure, so the oldest
(least recently failed) keys are dropped first and expired keys are swept from the front as new ones come in.
Nothing is stored for an attempt that was refused, and keys should be short (the caller bounds them).

A Limit is not thread-safe by itself: the caller checks and charges several Limits under one lock, so that an
attempt is reserved (counted as a failure) before the slow password check, and taken back if it succeeds.

The arithmetic — how long a key with this many failures waits, when it is forgotten — is a :class:`Rule`, which a
Limit keeps in memory and layers.stores.pg_login applies to counts kept in the database (several app servers).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass

__all__ = ["Limit", "Rule"]


@dataclass(frozen=True)
class Rule:
    """``max_failures`` free, then ``base_s`` doubling up to ``max_s``; forgotten after ``ttl_s`` without a failure;
    at most ``capacity`` keys remembered."""
    max_failures: int
    base_s: float
    max_s: float
    ttl_s: float
    capacity: int

    def delay(self, failures: int) -> float:
        """How long after the last failure the next attempt must wait, given this many failures."""
        if failures < self.max_failures:
            return 0.0
        return min(self.base_s * 2.0 ** min(failures - self.max_failures, 64), self.max_s)

    def expired(self, last: float, now: float) -> bool:
        return now - last > self.ttl_s

    def wait(self, failures: int, last: float, now: float) -> float:
        """Seconds until the next attempt of a key with ``failures`` failures, the last at ``last`` (0: now)."""
        if self.expired(last, now):
            return 0.0
        return max(0.0, last + self.delay(failures) - now)


class Limit:
    def __init__(self, *, max_failures: int, base_s: float, max_s: float, ttl_s: float, capacity: int):
        self.rule = Rule(max_failures, base_s, max_s, ttl_s, capacity)
        self._entries: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key → (failures, time of the last)

    @classmethod
    def of(cls, rule: Rule) -> "Limit":
        return cls(**asdict(rule))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def keys(self):
        return self._entries.keys()

    def _get(self, key: str, now: float) -> tuple[int, float]:
        failures, last = self._entries.get(key, (0, now))
        if self.rule.expired(last, now):
            del self._entries[key]
            return 0, now
        return failures, last

    def wait(self, key: str, now: float) -> float:
        """Seconds until an attempt for key is allowed (0: now). Stores nothing."""
        failures, last = self._get(key, now)
        return self.rule.wait(failures, last, now)

    def fail(self, key: str, now: float) -> None:
        """Count one failure for key (it becomes the newest key), then drop expired and surplus old keys."""
        failures, _ = self._get(key, now)
        self._entries.pop(key, None)
        self._entries[key] = (failures + 1, now)
        while self._entries:
            oldest, (_, last) = next(iter(self._entries.items()))
            if len(self._entries) <= self.rule.capacity and not self.rule.expired(last, now):
                break
            del self._entries[oldest]

    def refund(self, key: str) -> None:
        """Take back one failure (an attempt that was reserved and then succeeded)."""
        if key in self._entries:
            failures, last = self._entries[key]
            if failures <= 1:
                del self._entries[key]
            else:
                self._entries[key] = (failures - 1, last)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)
