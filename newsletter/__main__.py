"""``python -m newsletter``: the command line, for processes started without the script."""

from newsletter.cli import main

main()
