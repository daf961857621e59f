"""Command-line entry point: ``scatterwave <command> ...``.

Each sub-command lives in its own module under :mod:`scatterwave.commands` and exposes two
functions: ``add_parser(subparsers)`` registering its arguments and ``run(args) -> int``
returning the process exit code. This module only dispatches; it never calls ``sys.exit``
(the console-script wrapper turns the returned code into the exit status).
"""

from __future__ import annotations

import argparse
import importlib
import logging
from collections.abc import Sequence

from scatterwave._version import __version__

#: Sub-command name -> module implementing it (imported lazily, so optional
#: dependencies of one command never slow down or break another).
COMMANDS: dict[str, str] = {
    "demo": "scatterwave.commands.demo",
    "extract": "scatterwave.commands.extract",
    "train": "scatterwave.commands.train",
}


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="scatterwave",
        description="Wavelet scattering, JTFS and Wavelet Networks for 1-D signals.",
    )
    parser.add_argument("--version", action="version", version=f"scatterwave {__version__}")
    verbose_help = "more log output (-v info, -vv debug)"
    parser.add_argument("-v", "--verbose", action="count", default=0, help=verbose_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # The command's module exists but one of its optional dependencies is missing:
            # register a stub that explains how to install it instead of hiding the command.
            if exc.name is not None and exc.name.startswith("scatterwave"):
                continue
            _add_missing_dependency_parser(sub, name, exc)
            continue
        module.add_parser(sub)
    for command in sub.choices.values():
        # -v after the command as well, counted with those before it (see main)
        command.add_argument(
            "-v", "--verbose", action="count", dest="verbose_after", default=0, help=verbose_help
        )
    return parser


def _add_missing_dependency_parser(sub, name: str, exc: ModuleNotFoundError) -> None:
    p = sub.add_parser(name, help=f"(unavailable: missing dependency {exc.name!r})")
    p.set_defaults(_missing=exc)


def log_level(args: argparse.Namespace) -> int:
    """Return the logging level of the ``-v`` flags given before and after the command."""
    verbose = args.verbose + getattr(args, "verbose_after", 0)
    return {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = log_level(args)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 2
    missing = getattr(args, "_missing", None)
    if missing is not None:
        parser.error(
            f"the {args.command!r} command needs the optional dependency {missing.name!r}; "
            "install it with: pip install 'scatterwave[cli]'"
        )
    module = importlib.import_module(COMMANDS[args.command])
    return int(module.run(args))
