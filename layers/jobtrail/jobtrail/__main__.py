"""``python -m jobtrail``: the same CLI as the ``jobtrail`` console script."""

from jobtrail_cli import main

raise SystemExit(main())
