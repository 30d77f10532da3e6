"""Failed-login limits shared by every app server on one PostGIS (layers.stores.pg_login): two servers — two
throttles with their own connections, or another process — count together, N concurrent wrong guesses over both get
at most MAX_FAILURES password checks, a success takes its attempt back, entries expire and are swept, keys are
stored as digests, and a database failure refuses the attempt (LoginUnavailable) instead of letting it through.
The GeoPackage keeps the in-process throttle (tests/security/test_login.py, unchanged).

The real throwaway PostGIS of tests/pg.py; the password check is injected (``check=``) where only the limits are
under test, and the clock is a number the test moves.
"""
from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from layers import login as lg
from layers.stores import region_url
from layers.stores.pg_conn import connect
from layers.stores.pg_login import LOCK_KEY, PgLoginThrottle, for_url
from layers.throttle import Rule
from tests.logins import ACCOUNTS, ATTACKER, EDITOR_CLIENT, RIGHT, CountingCheck, at_once

ROOT = Path(__file__).resolve().parent.parent
T0 = 1_000_000.0


@pytest.fixture
def servers(pg_url):
    """Two app servers' throttles on one database: each its own connection."""
    a, b = PgLoginThrottle(pg_url), PgLoginThrottle(pg_url)
    yield a, b
    a.close()
    b.close()


def _login(throttle, user, password, *, client=ATTACKER, t=T0, check=None):
    return lg.login(user, password, ACCOUNTS, client=client, clock=lambda: t, check=check or CountingCheck(),
                    throttle=throttle)


def _rows(url) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT kind, key_hash, failures, last_at FROM public.login_failures").fetchall()


def test_failures_on_one_server_make_the_other_refuse(servers):
    a, b = servers
    for _ in range(lg.MAX_FAILURES):
        assert _login(a, "wang", "a guess") is None
    with pytest.raises(lg.LoginThrottled) as e:
        _login(b, "wang", RIGHT["wang"], client=EDITOR_CLIENT)  # another server, another client: the name holds
    assert e.value.why == "name" and e.value.retry_after == lg.NAME_DELAY_S
    assert _login(b, "wang", RIGHT["wang"], client=EDITOR_CLIENT, t=T0 + lg.NAME_DELAY_S).username == "wang"
    for _ in range(lg.MAX_FAILURES):  # the success on B cleared the name for A as well
        assert _login(a, "wang", "a guess", client=EDITOR_CLIENT, t=T0 + 3) is None


def test_another_process_counts_with_this_one_and_its_end_forgets_nothing(pg_url):
    """A real second server process fails MAX_FAILURES times and exits; this process's login() on the same database
    (chosen by the store: store=URL) refuses the next try, and its own in-process throttle has counted nothing."""
    script = ("import sys; from layers import login as lg; from layers.editor_accounts import Editor\n"
              "acc = {'wang': Editor('wang', 'wang', '')}\n"
              "for _ in range(lg.MAX_FAILURES): assert lg.login('wang', 'guess', acc, client='ip:10.9.9.9', "
              "store=sys.argv[1], check=lambda u, p, e: None) is None\n")
    r = subprocess.run([sys.executable, "-c", script, pg_url], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    checks = CountingCheck()
    with pytest.raises(lg.LoginThrottled):
        lg.login("wang", RIGHT["wang"], ACCOUNTS, client=EDITOR_CLIENT, store=pg_url, check=checks)
    with pytest.raises(lg.LoginThrottled):  # any region's store of the database: one deployment, one count
        lg.login("wang", RIGHT["wang"], ACCOUNTS, client=EDITOR_CLIENT, store=region_url(pg_url, "heze"),
                 check=checks)
    assert checks.users == [] and "wang" not in lg._throttle.names


def test_the_store_in_use_chooses_the_throttle(pg_url, tmp_path, monkeypatch):
    monkeypatch.delenv("PROJECTMAP_DB", raising=False)
    assert lg.limits_for(tmp_path / "x.gpkg") is lg._throttle and lg.limits_for() is lg._throttle
    assert lg.limits_for(pg_url) is for_url(pg_url) is for_url(region_url(pg_url, "heze"))
    monkeypatch.setenv("PROJECTMAP_DB", pg_url)
    assert lg.limits_for() is for_url(pg_url)


@pytest.mark.parametrize("distinct_clients", [False, True], ids=["one client", "one client each"])
def test_concurrent_wrong_guesses_over_servers_get_at_most_max_failures_checks(pg_url, distinct_clients):
    n, servers = 24, [PgLoginThrottle(pg_url) for _ in range(6)]  # six servers' connections, four threads each
    connect(pg_url).close()  # migrated; then a slow database: each write of the counts takes 20 ms, which widens
    with psycopg.connect(pg_url, autocommit=True) as conn:  # the window between reading a count and committing it
        conn.execute("CREATE FUNCTION pm_test_slow() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$ BEGIN PERFORM pg_sleep(0.02); RETURN NULL; END $$")
        conn.execute("CREATE TRIGGER pm_test_slow BEFORE INSERT ON public.login_failures "
                     "FOR EACH STATEMENT EXECUTE FUNCTION pm_test_slow()")
    check = CountingCheck(pause_s=0.05)  # and the one between "allowed?" and the password check
    outcomes: list[str] = []

    def guess(i):
        client = f"ip:10.0.0.{i}" if distinct_clients else "ip:10.0.0.1"
        try:  # all at one moment (T0): the count alone decides, however slowly the machine runs
            assert lg.login("wang", f"guess {i}", ACCOUNTS, client=client, check=check, clock=lambda: T0,
                            throttle=servers[i % len(servers)]) is None
            outcomes.append("checked")
        except lg.LoginThrottled as e:
            assert not isinstance(e, lg.LoginUnavailable), e
            outcomes.append("throttled")

    at_once(n, guess)
    for s in servers:
        s.close()
    assert len(outcomes) == n
    assert len(check.users) == lg.MAX_FAILURES, f"{len(check.users)} real password checks for one user"
    assert outcomes.count("throttled") == n - lg.MAX_FAILURES


def test_a_success_takes_its_attempt_back(servers):
    a, b = servers
    for i in range(lg.CLIENT_MAX_FAILURES - 1):  # one client: 9 wrong names on A …
        assert _login(a, f"user{i}", "a guess") is None
    assert _login(a, "wang", RIGHT["wang"]).username == "wang"  # … then a success: counted, then taken back
    assert _login(b, "user9", "a guess") is None  # so B allows the client's 10th failure
    with pytest.raises(lg.LoginThrottled) as e:
        _login(b, "user10", "a guess")
    assert e.value.why == "client" and e.value.retry_after == lg.CLIENT_DELAY_S
    # everyone's count: 11 attempts, 1 taken back
    assert [r[2] for r in _rows(a.url) if r[0] == "all"] == [lg.CLIENT_MAX_FAILURES]


def test_delays_double_up_to_the_cap_and_entries_expire(servers):
    a, b = servers
    for i in range(lg.MAX_FAILURES):  # a name's free tries, from new clients on alternating servers
        assert _login((a, b)[i % 2], "wang", "a guess", client=f"ip:10.1.0.{i}") is None
    t, waits = T0, []
    for i in range(8):  # then each try as soon as the other server says it may be
        with pytest.raises(lg.LoginThrottled) as e:
            _login((b, a)[i % 2], "wang", "a guess", client=f"ip:10.2.0.{i}", t=t)
        waits.append(e.value.retry_after)
        t += e.value.retry_after
        assert _login((a, b)[i % 2], "wang", "a guess", client=f"ip:10.3.0.{i}", t=t) is None
    assert waits == [2, 4, 8, 16, 30, 30, 30, 30]
    t += lg.NAME_TTL_S - 1  # still remembered just before 15 quiet minutes: one try, then 30 s again
    assert _login(a, "wang", "a guess", client=EDITOR_CLIENT, t=t) is None
    with pytest.raises(lg.LoginThrottled) as e:
        _login(b, "wang", RIGHT["wang"], client=EDITOR_CLIENT, t=t + 1)
    assert e.value.retry_after == lg.NAME_DELAY_MAX_S - 1
    late = t + lg.NAME_TTL_S + 1  # 15 quiet minutes after the last failure: forgotten, MAX_FAILURES free again
    for _ in range(lg.MAX_FAILURES):
        assert _login(b, "wang", "a guess", client=EDITOR_CLIENT, t=late) is None


def test_expired_rows_are_swept_and_the_table_stays_bounded(pg_url):
    small = {**lg.RULES, "client": Rule(lg.CLIENT_MAX_FAILURES, 30, 3600, 24 * 3600, 50)}
    throttle = PgLoginThrottle(pg_url, rules=small)
    try:
        for i in range(80):  # 80 names from 80 clients
            _login(throttle, f"user{i}", "a guess", client=f"ip:10.4.0.{i}", t=T0 + i)
        kinds = [r[0] for r in _rows(pg_url)]
        assert kinds.count("name") == 80 and kinds.count("client") == 50 and kinds.count("all") == 1
        _login(throttle, "wang", "a guess", t=T0 + 79 + lg.NAME_TTL_S + 1)
        rows = _rows(pg_url)
        assert sorted(r[0] for r in rows if r[0] != "client") == ["all", "name"]  # 80 expired names swept
        clients = sorted(r[3] for r in rows if r[0] == "client")
        assert len(clients) == 50 and clients[0] == T0 + 31  # the least recently failed dropped first
    finally:
        throttle.close()


def test_no_user_name_or_address_is_stored_in_clear(servers, pg_url, pg_server):
    a, _ = servers
    _login(a, "wang", "a guess", client="ip:203.0.113.9")
    with psycopg.connect(pg_url) as conn:
        dump = " ".join(str(r) for r in conn.execute("SELECT * FROM public.login_failures"))
        raw = b"".join(bytes(r[0]) for r in conn.execute("SELECT key_hash FROM public.login_failures"))
    assert "wang" not in dump and "203.0.113" not in dump and b"wang" not in raw and b"203.0.113" not in raw
    assert {len(r[1]) for r in _rows(pg_url)} == {32}
    other = pg_server.new_database()  # keyed by each database's own secret: a digest cannot be looked up elsewhere
    with contextlib.closing(PgLoginThrottle(other)) as c:
        _login(c, "wang", "a guess", client="ip:203.0.113.9")
    assert not {bytes(r[1]) for r in _rows(pg_url)} & {bytes(r[1]) for r in _rows(other)}


def test_the_limits_are_the_deployments_in_public_not_a_regions(pg_url):
    connect(region_url(pg_url, "heze"), create=True).close()  # heze's schema made and migrated
    with psycopg.connect(pg_url) as conn:
        where = {s for (s,) in conn.execute("SELECT table_schema FROM information_schema.tables "
                                            "WHERE table_name = 'login_failures'")}
    assert where == {"public"}


# ------------------------------------------------------------------------------ a database failure: refused

def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_database_refuses_the_attempt_without_checking_the_password():
    checks = CountingCheck()
    url = f"postgresql://postgres@127.0.0.1:{_free_port()}/nowhere"
    with pytest.raises(lg.LoginUnavailable) as e:
        lg.login("wang", RIGHT["wang"], ACCOUNTS, client=EDITOR_CLIENT, store=url, check=checks)
    assert checks.users == [] and "数据库" in str(e.value) and e.value.retry_after > 0
    assert isinstance(e.value, lg.LoginThrottled)  # what the page already catches and shows


def test_a_failing_query_refuses_and_a_dropped_connection_is_reopened(servers, pg_url):
    a, _ = servers
    assert _login(a, "wang", "a guess") is None
    with psycopg.connect(pg_url, autocommit=True) as conn:  # the server drops A's kept connection
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid()")
    assert _login(a, "wang", "a guess") is None  # reopened once, the count kept
    assert [r[2] for r in _rows(pg_url) if r[0] == "name"] == [2]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.login_failures RENAME TO login_failures_gone")
    checks = CountingCheck()
    with pytest.raises(lg.LoginUnavailable):
        _login(a, "wang", RIGHT["wang"], check=checks)
    assert checks.users == []


def test_a_login_lock_held_elsewhere_refuses_after_the_lock_timeout(servers, pg_url):
    a, _ = servers
    with psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))  # a server stuck inside its reservation
        checks = CountingCheck()
        with pytest.raises(lg.LoginUnavailable):
            _login(a, "wang", RIGHT["wang"], check=checks)
        assert checks.users == []
    assert _login(a, "wang", RIGHT["wang"]).username == "wang"  # the lock free again: in at once


# ------------------------------------------------------------------------------------------ the edit page's form

def _login_page():
    import os

    from mapview import login
    login.login_form({"editors": {"wang": {"name": "王工", "password_hash": os.environ["PM_TEST_WANG_HASH"]}}})


def _submit(at, password: str):
    at.text_input(key="ed_login_user").input("wang")
    at.text_input(key="ed_login_password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return [e.value for e in at.error]


def test_the_edit_page_counts_in_the_database_and_shows_a_database_failure(pg_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from layers.editor_accounts import hash_password
    monkeypatch.setenv("PROJECTMAP_DB", pg_url)
    monkeypatch.setenv("PM_TEST_WANG_HASH", hash_password(RIGHT["wang"], rounds=4))
    at = AppTest.from_function(_login_page, default_timeout=60).run()
    for _ in range(lg.MAX_FAILURES):
        assert _submit(at, "a guess") == ["用户名或密码错误。 / Wrong user name or password."]
    with pytest.raises(lg.LoginThrottled) as e, contextlib.closing(PgLoginThrottle(pg_url)) as other_server:
        _login(other_server, "wang", RIGHT["wang"], client=EDITOR_CLIENT, t=time.time())  # the page's failures count
    assert e.value.why == "name"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.login_failures RENAME TO login_failures_gone")
    errors = _submit(at, RIGHT["wang"])
    assert len(errors) == 1 and "数据库" in errors[0] and "pm_editor" not in at.session_state
