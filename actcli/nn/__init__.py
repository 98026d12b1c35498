"""actcli.nn: a small Keras in NumPy — Dense, Sequential and their families, with Keras's names and math.

It imports nothing from the rest of actcli and nothing of Typer, Rich or matplotlib, so it can be used
on its own:

    from actcli.nn import Sequential, Dense
    model = Sequential()
    model.add(Dense(64, input_dim=28, activation='relu'))
"""

from . import activations  # noqa: F401
from ._registry import UnknownNameError  # noqa: F401
