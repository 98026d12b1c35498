"""Keras-parity tests: they compare actcli.nn with Keras 3 on the torch backend, and skip without keras.

The backend must be chosen before keras is first imported, so it is set here, at collection time.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

# Keras 3.15.1's own Variable.__array__ lacks NumPy 2's `copy` keyword, so Keras's internal np.array(variable)
# calls (nadam's step, get_config) raise this DeprecationWarning under `-W error`. It is Keras's, not ours.
KERAS_NUMPY2_WARNING = "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.filterwarnings(KERAS_NUMPY2_WARNING))
