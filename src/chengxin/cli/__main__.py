"""``python -m chengxin.cli``: the ``chengxin`` command."""

from chengxin.cli import main

main()
