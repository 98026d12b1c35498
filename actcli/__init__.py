"""actcli: an educational command-line lab for activation functions.

The NumPy engine lives in `actcli.nn` (a small Keras); everything else turns its numbers into tables,
pictures and words.
"""

__version__ = "0.1.0"
