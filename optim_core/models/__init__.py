"""Small models trained by optim_core's optimizers, matching torch's training loop: data sets, models, train().

>>> from optim_core.models import train
>>> tr = train("linear", "regression", "adam", 100, lr=0.01)  # the notes' nn.Linear(10, 1), MSELoss, randn(32, 10)
>>> tr.params.shape, bool(tr.loss[-1] < tr.loss[0])
((101, 11), True)
"""

from .data import DATASETS, FEATURES_RANGE, N_RANGE, NOISE_RANGE, SEED_RANGE, DatasetSpec
from .landscape import Landscape, landscape, line_surface
from .nets import ACTIVATIONS, HIDDEN_LAYERS_RANGE, HIDDEN_UNITS_RANGE, MODELS, ModelSpec, Network
from .training import (
           EPOCHS_RANGE,
           MAX_STEP_SAMPLES,
           MAX_STEPS,
           PARAMS_KEPT_MAX,
           Trainer,
           Training,
           make_data,
           make_model,
           train,
)

__all__ = ["train", "Trainer", "Training", "landscape", "Landscape", "line_surface", "make_data", "make_model",
           "DATASETS", "MODELS", "DatasetSpec", "ModelSpec",
           "Network", "N_RANGE", "FEATURES_RANGE", "NOISE_RANGE", "SEED_RANGE", "EPOCHS_RANGE", "MAX_STEPS",
           "MAX_STEP_SAMPLES", "PARAMS_KEPT_MAX", "HIDDEN_LAYERS_RANGE", "HIDDEN_UNITS_RANGE", "ACTIVATIONS"]
