"""``python -m layers.editors add | hash | list``: editor accounts from the command line (see layers.editors)."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from core.errors import UserError
from layers.editor_accounts import DEFAULT_FILE, EditorError, add_db_editor, add_editor, hash_password, load_editors

__all__ = ["main"]


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 / password: ")
    if getpass.getpass("再输入一次 / again: ") != first:
        raise EditorError("两次输入的密码不一致。", "The passwords differ.")
    return first


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m layers.editors", description="编辑账号 / editor accounts")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add", help="add or replace an editor in the editors TOML file")
    a.add_argument("username")
    a.add_argument("--name", help="显示名 / display name recorded in history (default: the user name)")
    a.add_argument("--file", help=f"TOML file (default $PROJECTMAP_EDITORS or {DEFAULT_FILE})")
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    a.add_argument("--db", metavar="URL", help="save into the PostGIS store postgresql://… instead of the file")
    hs = sub.add_parser("hash", help="print a bcrypt hash for Streamlit secrets")
    hs.add_argument("--password-stdin", action="store_true")
    ls = sub.add_parser("list", help="list editors of the file and of $PROJECTMAP_DB / --db (names only)")
    ls.add_argument("--db", metavar="URL", help="also the accounts of this PostGIS store")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "add" and args.db:
            label = add_db_editor(args.db, args.username, _read_password(args), name=args.name)
            print(f"已保存 / saved: {args.username} → {label}")
        elif args.command == "add":
            path = add_editor(args.username, _read_password(args), name=args.name,
                              path=Path(args.file) if args.file else None)
            print(f"已保存 / saved: {args.username} → {path}")
        elif args.command == "hash":
            print(hash_password(_read_password(args)))
        else:
            for user, e in sorted(load_editors(db=args.db).items()):
                print(f"{user}\t{e.name}")
    except UserError as e:  # EditorError, or a database that cannot be reached
        print(f"错误 / error: {e}", file=sys.stderr)
        return 2
    return 0
