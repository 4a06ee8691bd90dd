"""``jobtrail ui``: the history table as pages in the browser, served on this machine until Ctrl-C.

The pages read the table the options name (``--local``, ``--table``, ``--stack``…), as the other commands
do, with the user's own credentials; they never write. See ``jobtrail_cli.ui``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from jobtrail_cli.errors import EXIT_OK
from jobtrail_cli.wiring import Wiring


def ui(args: argparse.Namespace, wiring: Wiring) -> int:
    """Serve the pages on 127.0.0.1 (``--port``, else a free port), print their URL with the token (and
    open it with ``--open``, through a page only this user can read), until Ctrl-C: then exit 0."""
    import webbrowser  # noqa: PLC0415 - keep `--help` fast

    from jobtrail_cli.ui.pages import Pages  # noqa: PLC0415
    from jobtrail_cli.ui.server import UiServer, opening_page  # noqa: PLC0415

    # Everything the threads share is made here, once: the table's reader, where it is, the console's
    # portal (a bad --stack is one line now, not a page later).
    where = wiring.where()
    pages = Pages(wiring, args, where=where, links=wiring.console_links())
    server = UiServer(pages, port=args.port)
    print(f"jobtrail ui: reading {where}", file=sys.stderr)
    print(f"Open {server.url}", flush=True)
    print("(Ctrl-C stops it)", file=sys.stderr, flush=True)
    with contextlib.ExitStack() as opened:
        if args.open:
            webbrowser.open(opened.enter_context(opening_page(server.url)))
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it stops: not an interruption
            server.serve_forever()
    print("jobtrail ui: stopped", file=sys.stderr)
    return EXIT_OK
