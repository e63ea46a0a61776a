"""The ``vnfm`` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from vnfm.config import Settings, load_settings, settings_table


def _add_database_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="SQLAlchemy database URL (env VNFM_DATABASE_URL)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vnfm", description="ETSI SOL003/SOL002 VNF Manager with an ESC southbound."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the VNF LCM API (and run operations)")
    serve.add_argument("--host", help="listen address (env VNFM_HOST)")
    serve.add_argument("--port", type=int, help="listen port (env VNFM_PORT)")
    _add_database_flag(serve)
    serve.add_argument("--public-url", help="base URL for links (env VNFM_PUBLIC_URL)")
    serve.add_argument(
        "--esc-url", help="ESC base URL; none starts the simulator (env VNFM_ESC_URL)"
    )

    worker = commands.add_parser(
        "worker", help="run operations only, beside `vnfm serve` processes on one database"
    )
    _add_database_flag(worker)
    worker.add_argument("--public-url", help="URL of an API process, for ESC callbacks")
    worker.add_argument("--esc-url", help="ESC base URL (env VNFM_ESC_URL)")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply every pending migration")
    _add_database_flag(upgrade)

    vnfd = commands.add_parser("vnfd", help="the VNFD catalog")
    vnfd_commands = vnfd.add_subparsers(dest="vnfd_command", required=True, metavar="ACTION")
    vnfd_commands.add_parser("list", help="list the VNFDs this VNFM knows")
    add = vnfd_commands.add_parser("add", help="validate a VNFD file and add it to VNFM_VNFD_DIR")
    add.add_argument("file", type=Path)

    notify = commands.add_parser("notify", help="notifications that could not be delivered")
    notify_commands = notify.add_subparsers(dest="notify_command", required=True, metavar="ACTION")
    for name, text in (
        ("dead-letters", "list notifications given up on (dead letters)"),
        ("requeue", "put dead letters back in their queues with a fresh retry budget"),
    ):
        action = notify_commands.add_parser(name, help=text)
        _add_database_flag(action)
        action.add_argument("--subscription", help="only this subscription's")
        if name == "dead-letters":
            action.add_argument("--limit", type=int, default=100)

    sim = commands.add_parser("esc-sim", help="run the ESC simulator on its own")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8090)
    sim.add_argument(
        "--boot-time-factor",
        type=float,
        default=0.0,
        help="VM boot time = bootup_time x factor (default 0)",
    )

    commands.add_parser("config", help="print the settings table (Markdown)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        database_url=getattr(args, "database_url", None),
        public_url=getattr(args, "public_url", None),
        esc_url=getattr(args, "esc_url", None),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "config":
        print(settings_table())
        return 0
    if args.command == "esc-sim":
        from vnfm.escsim.server import run

        logging.basicConfig(level=logging.INFO)
        run(args.host, args.port, args.boot_time_factor)
        return 0

    try:
        settings = _settings(args)
    except ValueError as exc:
        print(f"vnfm: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Chatty at INFO: APScheduler reports every run of the claim poll (twice a second),
    # Alembic every plugin it loads.
    for chatty in ("apscheduler", "vnfm.engine.executor.scheduler", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.root.level))

    if args.command == "db":
        from vnfm.db.migrate import upgrade

        upgrade(settings.effective_database_url)
        print("database schema is up to date")
        return 0
    if args.command == "vnfd":
        return _vnfd(args, settings)
    if args.command == "notify":
        return _notify(args, settings)
    if args.command == "serve":
        from vnfm.server import serve

        serve(settings)
        return 0
    if args.command == "worker":
        from vnfm.server import work

        work(settings)
        return 0
    return 2


def _notify(args: argparse.Namespace, settings: Settings) -> int:
    from vnfm.app import build_services
    from vnfm.notify.delivery import dead_letter_report, requeue_dead_letters

    services = build_services(settings)
    if args.notify_command == "dead-letters":
        print(dead_letter_report(services, subscription_id=args.subscription, limit=args.limit))
        return 0
    with services.session() as session, session.begin():
        count = requeue_dead_letters(session, subscription_id=args.subscription)
    print(f"requeued {count} notification(s)")
    return 0


def _vnfd(args: argparse.Namespace, settings: Settings) -> int:
    from vnfm.vnfd.catalog import Catalog, add_file
    from vnfm.vnfd.parser import VnfdError

    extra_dir = Path(settings.vnfd_dir) if settings.vnfd_dir else None
    if args.vnfd_command == "list":
        catalog = Catalog.load(extra_dir)
        for vnfd in catalog.all():
            print(
                f"{vnfd.vnfd_id}\t{vnfd.provider}\t{vnfd.product_name}\t"
                f"{vnfd.software_version}\tflavours: {', '.join(vnfd.flavours)}"
            )
        for error in catalog.errors:
            print(f"not loaded: {error}", file=sys.stderr)
        return 0
    target = extra_dir or Path(".")
    try:
        vnfd = add_file(args.file, target)
    except (VnfdError, OSError, ValueError) as exc:
        print(f"vnfm: {exc}", file=sys.stderr)
        return 1
    print(f"added {vnfd.vnfd_id} to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
