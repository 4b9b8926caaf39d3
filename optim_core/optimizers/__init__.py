"""The optimizers of torch.optim, by their lower-cased class names."""

from .adam import Adam, Adamax, AdamW, NAdam, RAdam, SparseAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .lbfgs import LBFGS
from .rprop import Rprop
from .sgd import ASGD, SGD

_CLASSES = (SGD, ASGD, Adagrad, Adadelta, RMSprop, Adam, AdamW, Adamax, NAdam, RAdam, SparseAdam, LBFGS, Rprop)

for _cls in _CLASSES:
    object.__setattr__(_cls.SPEC, "cls", _cls)

OPTIMIZERS = {cls.SPEC.name: cls.SPEC for cls in _CLASSES}

__all__ = ["OPTIMIZERS", "SGD", "ASGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax", "NAdam",
           "RAdam", "SparseAdam", "LBFGS", "Rprop"]
