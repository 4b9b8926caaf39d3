"""optim_core: torch.optim's optimizers re-done in NumPy, exact to torch in float64, on 2-D test surfaces.

>>> from optim_core import run
>>> run("sgd", "booth", [0.0, 0.0], 2, lr=0.01).xy.round(4).tolist()
[[0.0, 0.0], [0.34, 0.38], [0.6156, 0.6948]]
"""

from .models import DATASETS, MODELS, Training, train
from .optimizers import OPTIMIZERS
from .schedulers import SCHEDULERS, make_scheduler
from .spec import Hyperparameter, Optimizer, OptimizerSpec
from .status import STATUS_MESSAGES, RunStatus, explain, timeline
from .surfaces import SURFACES, Surface, get_surface
from .sweep import Sweep, sweep
from .trajectory import Segment, Trajectory, iter_run, run
from .tune import Tune, TuneResult, TuneRule, tune

__all__ = [
    "run", "iter_run", "Trajectory", "Segment", "Surface", "OPTIMIZERS", "SURFACES", "SCHEDULERS", "get_surface",
    "make_scheduler", "train", "Training", "DATASETS", "MODELS", "explain", "timeline", "RunStatus",
    "STATUS_MESSAGES", "Hyperparameter", "Optimizer", "OptimizerSpec", "sweep", "Sweep", "tune", "Tune",
    "TuneResult", "TuneRule",
]
