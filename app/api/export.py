""""Copy as PyTorch": the same body as ``POST /api/trajectories``, answered with a script that recomputes it.

Validation is the trajectories route's own dependency (same model, same 422s, same work budget), so a request
the service would refuse to compute is refused here too, and a script is only ever written for numbers the
service itself can show.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ..export_script import pytorch_script
from ..export_train import training_script
from ..schemas import TrainRequest
from . import BODY_ERRORS
from .train import make_job
from .trajectories import Job, JobDep

MEDIA_TYPE = "text/x-python"


def _training_body(raw: bytes) -> dict | None:
    """The body as a training request's JSON (an object with a "model"), or None for anything else."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "model" in data else None


async def export_training(data: dict) -> Response:
    """A training body: validated as ``POST /api/train`` validates it (same 422s, same work budget)."""
    try:
        body = TrainRequest.model_validate(data)
    except ValidationError as err:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in err.errors()]) from None
    job = await run_in_threadpool(make_job, body)
    text = await run_in_threadpool(training_script, job)
    name = f"optimizer_playground_train_{body.model.name}_{body.data.name}.py"  # registry names, never user text
    return Response(text, media_type=MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})


class ExportRoute(APIRoute):
    """One endpoint, two bodies: a training body (an object with "model") is answered by :func:`export_training`;
    every other body goes through the trajectories route's own validation, unchanged."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        trajectory_handler = super().get_route_handler()

        async def handler(request: Request) -> Response:
            data = _training_body(await request.body())  # cached on the request for the other handler
            if data is not None:
                return await export_training(data)
            return await trajectory_handler(request)

        return handler


router = APIRouter(tags=["export"], route_class=ExportRoute)



def script_for(job: Job) -> str:
    return pytorch_script(surface_echo=job.surface_echo, domain=job.surface.domain, start=job.start,
                          steps=job.steps, optimizers=job.optimizers, labels=job.labels, noise_std=job.noise,
                          seed=job.seed, schedulers=job.schedulers)


def filename(job: Job) -> str:
    """A plain ASCII name: the surface's registry name (never user text), or "custom"."""
    name = job.surface_echo if isinstance(job.surface_echo, str) else "custom"
    return f"optimizer_playground_{name}.py"


@router.post("/api/export/pytorch", response_class=Response, responses={
    **BODY_ERRORS, 200: {"description": "A Python script; `python script.py --json` prints the runs as JSON",
                         "content": {MEDIA_TYPE: {"schema": {"type": "string"}}}}})
async def create_pytorch_script(job: JobDep) -> Response:
    """A self-contained torch script for the same body as ``POST /api/trajectories``: it builds each run's
    optimizer with torch's class and keywords, trains for the same steps with the same noise and stopping rule,
    and prints the points (``--json``: ``{"runs": [{"label", "xy", "loss"}]}``)."""
    text = await run_in_threadpool(script_for, job)  # parses a typed formula again: off the event loop
    return Response(text, media_type=MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename(job)}"'})
