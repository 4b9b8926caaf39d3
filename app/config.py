"""Deployment settings, read from the environment (prefix ``OPTIM_PLAYGROUND_``) by pydantic-settings.

The service keeps no state, so these are the only knobs: where to listen and how much work one request may ask
for. The API's own limits (steps, runs, ranges) are part of its contract and live in :mod:`app.schemas`.

>>> Settings(port=9000).port
9000
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .schemas import MAX_BODY_BYTES, MAX_WORK


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPTIM_PLAYGROUND_", extra="ignore")

    host: str = Field("127.0.0.1", description="Interface to listen on; 0.0.0.0 in a container")
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=256, description="uvicorn worker processes")
    max_work: int = Field(MAX_WORK, ge=1, description="Work budget of one trajectory request (see run_cost)")
    max_body_bytes: int = Field(MAX_BODY_BYTES, ge=1024, description="Largest request body; larger gets 413")
    assets_dir: Path | None = Field(None, description="Folder holding templates/ and static/ (found if unset)")
