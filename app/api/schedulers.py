"""``GET /api/schedulers``: torch's lr schedulers with their keywords, in the form of ``/api/optimizers``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from optim_core import SCHEDULERS

from ..scheduling import scheduler_info
from ..schemas import SchedulerInfo
from . import CATALOG_CACHE, Encoded, dumps

router = APIRouter(tags=["catalog"])

SCHEDULERS_JSON = Encoded(dumps([scheduler_info(spec) for spec in SCHEDULERS.values()]))


@router.get("/api/schedulers", response_model=list[SchedulerInfo])
async def read_schedulers(request: Request):
    """Every scheduler with its keywords: kind, default, accepted range, slider range, help (en, zh), and whether
    torch requires it (its default is then only what the page suggests)."""
    return await SCHEDULERS_JSON.response(request, CATALOG_CACHE)
