"""Editor login hardening (issue 12, items 2 and 3): the throttle reserves an attempt before bcrypt, unknown user
names cost the same bcrypt work as known ones, guessing is limited per client and globally with bounded memory, and
an attacker's failures for a name only slow its real editor down briefly.

The bcrypt check is injected (``check=``) where only the throttle is under test, and the clock is a list the test
moves: no test measures wall-clock time.
"""
from __future__ import annotations

import contextlib

import bcrypt
import pytest

from layers import login as lg
from layers.editor_accounts import ROUNDS, Editor, hash_password
from layers.throttle import Limit
from tests.logins import ACCOUNTS, ATTACKER, EDITOR_CLIENT, RIGHT, CountingCheck, at_once



@pytest.fixture(autouse=True)
def fresh_throttle(monkeypatch):
    """The throttle lives per server process; each test starts with none of the others' failures."""
    monkeypatch.setattr(lg, "_throttle", lg.LoginThrottle())


class FakeClock:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def _try(*args, **kw):
    """login(), with a throttled attempt counted as None."""
    with contextlib.suppress(lg.LoginThrottled):
        return lg.login(*args, **kw)
    return None


# ------------------------------------------------------------------------------------------------ item 2: race

@pytest.mark.parametrize("distinct_clients", [False, True], ids=["one client", "one client each"])
def test_concurrent_wrong_guesses_for_one_user_get_at_most_max_failures_checks(distinct_clients):
    n = 30
    check = CountingCheck(pause_s=0.05)
    outcomes: list[str] = []

    def guess(i):
        client = f"ip:10.0.0.{i}" if distinct_clients else "ip:10.0.0.1"
        try:
            assert lg.login("wang", f"guess {i}", ACCOUNTS, client=client, check=check) is None
            outcomes.append("checked")
        except lg.LoginThrottled:
            outcomes.append("throttled")

    at_once(n, guess)
    assert len(outcomes) == n
    assert len(check.users) <= lg.MAX_FAILURES, f"{len(check.users)} real password checks for one user"
    assert outcomes.count("throttled") >= n - lg.MAX_FAILURES


# ----------------------------------------------------------------------------------- item 3: equal bcrypt cost

def test_unknown_and_known_users_cost_the_same_bcrypt_work(monkeypatch):
    real_hash = hash_password(RIGHT["wang"], rounds=ROUNDS)
    accounts = {"wang": Editor("wang", "王工", real_hash)}
    assert real_hash.startswith(f"$2b${ROUNDS:02d}$")
    costs: list[int] = []
    checkpw = bcrypt.checkpw

    def recording(password, hashed):
        costs.append(int(hashed.split(b"$")[2]))
        return checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", recording)
    for user, password in [("wang", "a wrong password"), ("nobody", "a wrong password"), ("wang", ""),
                           ("wang", "x" * 100), ("wang", None)]:
        costs.clear()
        assert lg.verify(user, password, accounts) is None
        assert costs == [ROUNDS], (user, password, costs)  # one bcrypt check, at the real accounts' cost
    costs.clear()
    assert lg.verify("wang", RIGHT["wang"], accounts).username == "wang"
    assert costs == [ROUNDS]


def test_dummy_hash_has_the_cost_of_the_accounts():
    assert lg._dummy_hash().startswith(f"$2b${ROUNDS:02d}$".encode())  # no accounts: ROUNDS
    assert lg._dummy_hash() is lg._dummy_hash()  # computed once
    cheap = {"t": Editor("t", "t", hash_password("a test password", rounds=4))}
    assert lg._dummy_cost(cheap) == 4  # test accounts at cost 4: unknown names cost 4 as well
    assert lg._dummy_cost({}) == lg._dummy_cost(ACCOUNTS) == ROUNDS


# --------------------------------------------------------------------------------- item 3: spraying, per client

def test_spraying_one_password_across_names_is_throttled_per_client():
    clock, check = FakeClock(), CountingCheck()
    throttled = 0
    for i in range(200):
        try:
            lg.login(f"user{i}", "Summer2024!", ACCOUNTS, client=ATTACKER, clock=clock, check=check)
        except lg.LoginThrottled as e:
            throttled += 1
            assert e.retry_after > 0
    assert len(check.users) == lg.CLIENT_MAX_FAILURES  # each name only once: the per-name limit never applied
    assert throttled == 200 - lg.CLIENT_MAX_FAILURES
    # the editors, from their own clients, are not affected
    assert lg.login("li", RIGHT["li"], ACCOUNTS, client=EDITOR_CLIENT, clock=clock, check=check).username == "li"


def test_many_clients_are_slowed_down_globally():
    clock, check = FakeClock(), CountingCheck()
    for i in range(1000):
        _try(f"user{i}", "Summer2024!", ACCOUNTS, client=f"ip:10.1.{i // 256}.{i % 256}", clock=clock, check=check)
    assert len(check.users) == lg.GLOBAL_MAX_FAILURES


# ------------------------------------------------------------------------------------ item 3: bounded memory

def test_failure_tables_stay_bounded_after_100k_distinct_names():
    clock, check = FakeClock(), CountingCheck()
    throttle = lg._throttle
    for i in range(100_000):  # one client spraying, then a crowd of clients, spaced so the global limit lets them by
        client = ATTACKER if i < 50_000 else f"ip:10.{i // 65536}.{i // 256 % 256}.{i % 256}"
        _try(f"name{i}", "a guess", ACCOUNTS, client=client, clock=clock, check=check)
        clock.t += lg.GLOBAL_DELAY_MAX_S if i >= 50_000 else 0.001
    assert len(check.users) > 40_000  # the tables really were filled
    assert len(throttle.names) <= lg.TABLE_CAPACITY and len(throttle.clients) <= lg.TABLE_CAPACITY
    assert len(throttle.everyone) <= 1


def test_limit_keeps_at_most_capacity_keys_and_forgets_old_ones():
    limit = Limit(max_failures=3, base_s=1, max_s=30, ttl_s=900, capacity=1000)
    for i in range(100_000):
        limit.fail(f"name{i}", now=float(i) / 1000)
    assert len(limit) == 1000 and "name99999" in limit and "name0" not in limit  # the oldest went first
    for _ in range(5000):  # thousands of failures for one key: the delay stays capped (no overflow)
        limit.fail("x", now=200.0)
    assert limit.wait("x", now=200.0) == 30
    assert limit.wait("x", now=200.0 + 900.5) == 0 and "x" not in limit  # expired: forgotten


def test_a_long_user_name_or_client_is_not_kept_whole():
    clock, check = FakeClock(), CountingCheck()
    _try("x" * 1_000_000, "a guess", ACCOUNTS, client="y" * 1_000_000, clock=clock, check=check)
    assert check.users  # checked (and failed) like any other name
    assert all(len(k) <= 80 for k in [*lg._throttle.names.keys(), *lg._throttle.clients.keys()])


# ------------------------------------------------------------------------- item 3: slow-down, never lock-out

def test_attackers_failures_only_briefly_delay_the_editor_on_another_client():
    clock, check = FakeClock(), CountingCheck()
    for _ in range(200):  # the attacker guesses wang's password once a second for 200 s
        assert _try("wang", "a guess", ACCOUNTS, client=ATTACKER, clock=clock, check=check) is None
        clock.t += 1
    attacker_checks = len(check.users)
    assert attacker_checks < 20
    waited, editor = 0.0, None
    for _ in range(3):
        try:
            editor = lg.login("wang", RIGHT["wang"], ACCOUNTS, client=EDITOR_CLIENT, clock=clock, check=check)
            break
        except lg.LoginThrottled as e:
            assert 0 < e.retry_after <= lg.NAME_DELAY_MAX_S
            assert _try("wang", "a guess", ACCOUNTS, client=ATTACKER, clock=clock, check=check) is None
            waited += e.retry_after
            clock.t += e.retry_after
    assert editor is not None and editor.username == "wang"
    assert waited <= lg.NAME_DELAY_MAX_S
    # the attacker's client stays blocked; wang's name is clean again
    with pytest.raises(lg.LoginThrottled):
        lg.login("wang", "a guess", ACCOUNTS, client=ATTACKER, clock=clock, check=check)
    assert "wang" not in lg._throttle.names


def test_name_delay_is_capped_however_many_failures():
    clock, check = FakeClock(), CountingCheck()
    for i in range(5000):  # failures for one name from ever new clients, as fast as the name allows
        with contextlib.suppress(lg.LoginThrottled):
            lg.login("wang", "a guess", ACCOUNTS, client=f"ip:10.2.{i // 256}.{i % 256}", clock=clock, check=check)
        clock.t += 1
    with pytest.raises(lg.LoginThrottled) as e:
        lg.login("wang", "a guess", ACCOUNTS, client="ip:10.3.0.1", clock=clock, check=check)
    assert e.value.retry_after <= lg.NAME_DELAY_MAX_S


def test_a_correct_password_from_a_clean_client_gets_in_at_once_after_a_few_typos():
    clock, check = FakeClock(), CountingCheck()
    for _ in range(lg.MAX_FAILURES - 1):
        assert lg.login("wang", "typo", ACCOUNTS, client=EDITOR_CLIENT, clock=clock, check=check) is None
    assert lg.login("wang", RIGHT["wang"], ACCOUNTS, client=EDITOR_CLIENT, clock=clock, check=check)
    assert "wang" not in lg._throttle.names


# ---------------------------------------------------------------------------- verify() and login() plainly

def test_over_long_password_never_verifies(tmp_path):
    editors = {"wang": Editor("wang", "wang", hash_password("a" * 72, rounds=4))}
    assert lg.verify("wang", "a" * 72, editors)
    assert lg.verify("wang", "a" * 73, editors) is None  # bcrypt would ignore byte 73+; we refuse


def test_repeated_wrong_passwords_slow_down_that_user_only(monkeypatch):
    accounts = {"wang": Editor("wang", "王工", hash_password("right-pass", rounds=4)),
                "li": Editor("li", "李工", hash_password("li-password", rounds=4))}
    now = [1000.0]
    clock = lambda: now[0]  # noqa: E731
    monkeypatch.setattr(lg, "_throttle", lg.LoginThrottle())
    for _ in range(lg.MAX_FAILURES):
        assert lg.login("wang", "guess", accounts, clock=clock) is None
    with pytest.raises(lg.LoginThrottled) as e:
        lg.login("wang", "right-pass", accounts, clock=clock)  # even the right password waits
    assert e.value.retry_after == lg.NAME_DELAY_S  # a short wait, not a lock-out (see the tests above)
    assert lg.login("li", "li-password", accounts, clock=clock).username == "li"  # other users are not affected
    now[0] += lg.NAME_DELAY_S
    assert lg.login("wang", "right-pass", accounts, clock=clock).username == "wang"
    assert "wang" not in lg._throttle.names  # a success resets the count
