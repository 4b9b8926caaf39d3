"""The optimizers of torch.optim, by their lower-cased class names."""

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

__all__ = ["OPTIMIZERS", "SGD", "ASGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax", "NAdam",
           "RAdam", "SparseAdam", "LBFGS", "Rprop"]
