"""The ``jobtrail`` command line: query the history table, backfill it, look into the dead-letter queue, or
run the demo. ``main`` is the console script (and ``python -m jobtrail``).

A run, module by module:

- ``entry``: ``main`` parses the arguments, runs the command, and turns a ``UserError`` (``errors``) into one
  line on stderr and an exit status; Ctrl-C and a closed pipe end quietly too;
- ``parser``: the options, subcommands and help texts, and the argument types (``--since``, ``--status``…);
- ``wiring``: the composition root, the only module that reads the environment or makes a boto3 session,
  a client or the history store (``--table``, ``--stack``, ``--region``, ``--profile``, ``--local``);
- ``commands``: what each subcommand does (``queries``, ``watch``, ``status``, ``backfill``, ``dlq``,
  ``demo``, ``ui``);
- ``ui``: ``jobtrail ui``, the history as pages in the browser (Flask, served on 127.0.0.1);
- ``render`` (rich tables), ``output`` (JSON, the program's name) and ``dead_letters`` (the DLQ reader).
- ``timezone``: the zone tables show times in (``--tz``, ``$JOBTRAIL_TZ``); ``commands.completion``: shell
  completion through argcomplete (``jobtrail completion bash|zsh|fish``, job names from recent jobs).
"""

from jobtrail_cli.entry import main

__all__ = ["main"]
