"""Typed surfaces: live checking of a formula, and turning a surface reference into a Surface.

Parsing runs in a worker thread: ``optim_core.expression`` bounds it (300 characters, a time limit), but even a
bounded parse must not hold up the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from optim_core import SURFACES, Surface
from optim_core.expression import ExpressionError, parse_expression

from ..errors import invalid
from ..schemas import CustomSurface, ExpressionCheck, ExpressionCheckRequest
from . import BODY_ERRORS, dumps, json_response

router = APIRouter(tags=["expressions"])


@dataclass(frozen=True)
class ResolvedSurface:
    surface: Surface
    echo: Any  # what the answer reports: the name, or the formula with its domain and LaTeX


def custom_echo(text: str, surface: Surface) -> dict[str, Any]:
    (x0, x1), (y0, y1) = surface.domain
    return {"expression": text, "domain": {"x": [x0, x1], "y": [y0, y1]}, "latex": surface.latex}


async def resolve_surface(ref: str | CustomSurface, loc: tuple = ("body", "surface")) -> ResolvedSurface:
    """The Surface a request names or types; a refused formula is a 422 at ``loc + ("expression",)``."""
    if isinstance(ref, str):
        return ResolvedSurface(SURFACES[ref], ref)
    domain = ref.domain.pairs() if ref.domain is not None else None
    surface = await parse(ref.expression, domain, loc + ("expression",))
    return ResolvedSurface(surface, custom_echo(ref.expression, surface))


async def parse(text: str, domain: Any, loc: tuple) -> Surface:
    try:
        return await run_in_threadpool(parse_expression, text, domain=domain)
    except ExpressionError as err:
        raise invalid(loc, err.message, "expression", position=err.position, message=err.message) from None


@router.post("/api/expressions/check", response_model=ExpressionCheck, responses=BODY_ERRORS)
async def check_formula(body: ExpressionCheckRequest):
    """Parse a formula for live feedback: its LaTeX and default start, or the error and where it is (200 either
    way). Parsing is cheap and bounded, so this passes no admission gate."""
    domain = None if body.domain is None else body.domain.pairs()
    return json_response(dumps(await run_in_threadpool(check, body.expression, domain)))


def check(text: str, domain: Any = None) -> dict[str, Any]:
    try:
        surface = parse_expression(text, domain=domain)
    except ExpressionError as err:
        return {"ok": False, "error": {"message": err.message, "position": err.position, "code": "expression",
                                       "params": {"position": err.position, "message": err.message}}}
    return {"ok": True, "latex": surface.latex, "start": list(surface.start), "cost": surface.cost}
