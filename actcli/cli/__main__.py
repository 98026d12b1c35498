"""`python -m actcli.cli`: the same as the `actcli` command."""

from . import main

main()
