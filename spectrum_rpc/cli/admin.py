"""`spectrum-rpc admin create-user|list-users|set-password|audit`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from ..admin import check_new_password, create_user, hash_password
from ..store import Store
from .common import audit, format_time, settings_from, with_store


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("admin", help="admin UI users and audit log").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    create = group.add_parser("create-user", parents=[common], help="create an admin user")
    create.add_argument("--name", required=True)
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin")
    create.set_defaults(run=run_create_user)
    passwd = group.add_parser("set-password", parents=[common],
                              help="set a user's password (ends their sessions)")
    passwd.add_argument("--name", required=True)
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(run=run_set_password)
    group.add_parser("list-users", parents=[common], help="list admin users").set_defaults(
        run=run_list_users)
    log = group.add_parser("audit", parents=[common], help="print the audit log, newest first")
    log.add_argument("--limit", type=int, default=50)
    log.set_defaults(run=run_audit)


def read_password(from_stdin: bool) -> str:
    """Read a new password from stdin or ask twice on the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat: ") != first:
        raise ValueError("the passwords differ")
    return first


def run_create_user(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def create(store: Store) -> None:
        await create_user(store, args.name, password)
        await audit(store, "user.create", target=args.name.strip())

    try:
        password = read_password(args.password_stdin)
        with_store(settings, create)
    except ValueError as exc:
        print(f"spectrum-rpc: {exc}", file=sys.stderr)
        return 1
    print(f"created admin user {args.name.strip()}")
    return 0


def run_set_password(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def change(store: Store) -> bool:
        user = await store.admin.user_by_name(args.name)
        if user is None:
            return False
        encoded = await asyncio.to_thread(hash_password, password)
        await store.admin.set_password(user.id, encoded)
        await audit(store, "user.set_password", target=user.name)
        return True

    try:
        password = read_password(args.password_stdin)
        check_new_password(password)
    except ValueError as exc:
        print(f"spectrum-rpc: {exc}", file=sys.stderr)
        return 1
    if not with_store(settings, change):
        print(f"spectrum-rpc: no admin user named {args.name}", file=sys.stderr)
        return 1
    print(f"password of {args.name} changed; their sessions have ended")
    return 0


def run_list_users(args: argparse.Namespace) -> int:
    users = with_store(settings_from(args), lambda store: store.admin.users())
    print(f"{'NAME':<24} {'CREATED':<20} {'LAST LOGIN':<20} FAILED")
    for u in users:
        print(f"{u.name:<24} {format_time(u.created_at):<20} {format_time(u.last_login_at):<20} "
              f"{u.failed_logins}")
    return 0


def run_audit(args: argparse.Namespace) -> int:
    entries = with_store(settings_from(args), lambda store: store.admin.audit_log(args.limit))
    print(f"{'TIME':<20} {'ACTOR':<16} {'ACTION':<20} {'PROJECT':<12} {'TARGET':<24} "
          f"{'ADDRESS':<15} DETAIL")
    for e in entries:
        detail = " ".join(f"{k}={v}" for k, v in (e.detail or {}).items())
        print(f"{format_time(e.at):<20} {e.actor:<16} {e.action:<20} {e.project or '-':<12} "
              f"{e.target or '-':<24} {e.address or '-':<15} {detail}".rstrip())
    return 0
