"""The actcli command line (Typer): parse options, call the lab, hand results to the report. No math here."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import __version__

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="actcli — a lab for seeing how activation functions shape a neural network.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"actcli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = None,
) -> None:
    """actcli — a lab for seeing how activation functions shape a neural network."""


def main() -> None:
    app()
