"""The optimizers of torch.optim, by their lower-cased class names."""

from ..algorithms import attach_docstrings
from ..spec import bind_spec
from .adam import Adam, AdamW, SparseAdam
from .adam_variants import Adamax, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .lbfgs import LBFGS
from .rprop import Rprop
from .sgd import ASGD, SGD

_CLASSES = (SGD, ASGD, Adagrad, Adadelta, RMSprop, Adam, AdamW, Adamax, NAdam, RAdam, SparseAdam, LBFGS, Rprop)

for _cls in _CLASSES:
    bind_spec(_cls)

OPTIMIZERS = {cls.SPEC.name: cls.SPEC for cls in _CLASSES}
# Each class's docstring and its one-line summary come from its algorithm box, the source the page renders.
attach_docstrings(OPTIMIZERS, latex=True)

__all__ = ["OPTIMIZERS", "SGD", "ASGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax", "NAdam",
           "RAdam", "SparseAdam", "LBFGS", "Rprop"]
