"""actcli.nn: a small Keras in NumPy — Dense, Sequential and their families, with Keras's names and math.

It imports nothing from the rest of actcli and nothing of Typer, Rich or matplotlib, so it can be used
on its own, exactly like the Keras code in a learner's notes:

    from actcli.nn import Sequential, Dense
    model = Sequential()
    model.add(Dense(64, input_dim=28, activation='relu'))
"""

from . import activations, callbacks, constraints, initializers, losses, optimizers, regularizers  # noqa: F401
from ._registry import UnknownNameError  # noqa: F401
from .callbacks import Callback, EarlyStopping, History, TerminateOnNaN  # noqa: F401
from .layers import Dense  # noqa: F401
from .models import Sequential  # noqa: F401
from .random import set_random_seed  # noqa: F401

__all__ = ["Sequential", "Dense", "set_random_seed", "activations", "initializers", "regularizers",
           "constraints", "losses", "optimizers", "callbacks", "Callback", "History", "EarlyStopping",
           "TerminateOnNaN", "UnknownNameError"]
