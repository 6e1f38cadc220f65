"""The ``piplvault`` console script: send the command to the server, or run it here.

A command bound for ``piplvault serve`` needs neither Typer nor any command module: the
client only classifies the command line (``cli.argv``), uploads its files and prints what
the server printed, so it starts in a fraction of the time a local command takes.
"""

from __future__ import annotations

import os
import sys

from piplvault.io.private_files import PRIVATE_UMASK


def main() -> None:
    """Console-script entry point: run locally, or through the server when one is set."""
    from piplvault import i18n
    from piplvault.cli import client
    from piplvault.cli.argv import without_debug
    from piplvault.cli.lang import take_lang

    os.umask(
        PRIVATE_UMASK
    )  # every file 0600, every directory 0700 (issue 10, attack 7)
    argv = take_lang(sys.argv[1:])
    url = client.server_url(argv)
    if url is not None:
        os.environ["PIPLVAULT_URL"] = url
    if url is not None and client.goes_to_server(argv):
        # --debug is for this machine: a server's tracebacks stay in the server's log.
        sys.exit(client.run_remote(without_debug(argv), url, lang=i18n.current()))
    from piplvault.cli.app import run_argv

    sys.exit(run_argv(argv))


def say_error(
    message: str, code: str = "vault-error", *, hint: str | None = None
) -> None:
    """Write the error to stderr, never wrapped: in zh a ``错误：…`` line first, then
    always the one ``Error: …`` line scripts grep. ``hint``: the flag the error is about."""
    from piplvault.i18n import error_lines

    lines = error_lines(code, message, hint=hint)
    sys.stderr.write("".join(line + "\n" for line in lines))
    sys.stderr.flush()
