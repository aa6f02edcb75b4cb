"""The `spectrum-rpc` command line: one module per command group, registered here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from ..engine import ModelIntegrityError
from ..settings import ConfigError
from ..store import MasterKeyError, StoreOpenError, StoreRefused
from ..versions import ModelCopyError
from . import admin, feedback, keys, models, retrain, serve, store, webhooks

COMMAND_GROUPS = [serve, keys, feedback, admin, retrain, models, webhooks, store]


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every command group's sub-commands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH|URL",
        help="SQLite database file (created if missing) or postgresql://user@host:port/dbname URL",
    )
    common.add_argument("--config", metavar="FILE", help="TOML configuration file")
    parser = argparse.ArgumentParser(
        prog="spectrum-rpc", description="Self-hosted Spectrum-compatible moderation server."
    )
    parser.add_argument("--version", action="version", version=f"spectrum-rpc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except ConfigError as exc:
        print(f"spectrum-rpc: config error: {exc}", file=sys.stderr)
        return 2
    except MasterKeyError as exc:
        print(f"spectrum-rpc: master key: {exc}", file=sys.stderr)
        return 2
    except (StoreOpenError, StoreRefused, ModelCopyError) as exc:
        print(f"spectrum-rpc: {exc}", file=sys.stderr)
        return 1
    except ModelIntegrityError as exc:
        # A tampered or half-copied model must stop the server, with a line a human can act on.
        print(f"spectrum-rpc: model files refused: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
