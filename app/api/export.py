""""Copy as PyTorch": the same body as ``POST /api/trajectories``, answered with a script that recomputes it.

Validation is the trajectories route's own dependency (same model, same 422s, same work budget), so a request
the service would refuse to compute is refused here too, and a script is only ever written for numbers the
service itself can show.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from ..export_script import pytorch_script
from . import BODY_ERRORS
from .trajectories import Job, JobDep

router = APIRouter(tags=["export"])

MEDIA_TYPE = "text/x-python"


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
