"""The actcli command line (Typer): parse options, call the lab, hand results to the report. No math here.

`app.py` holds the Typer app, its one-line error handling and shared helpers; the commands live in `run.py`
(one training), `study.py` (compare, plot-gradients) and `teach.py` (activations, explain, check, export, init).
Every mistake a user can make ends in one line on stderr and exit status 2; Ctrl-C keeps what is finished (130).
"""

from . import run, study, teach  # noqa: F401  (registers the commands, in --help's order)
from .app import ACTIVATION_NAMES, EXAMPLE_NAMES, TASK_NAMES, app, main  # noqa: F401

__all__ = ["app", "main", "ACTIVATION_NAMES", "TASK_NAMES", "EXAMPLE_NAMES"]
