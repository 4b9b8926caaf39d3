"""Deployment settings, read from the environment (prefix ``OPTIM_PLAYGROUND_``) by pydantic-settings.

The service keeps no state, so these are the only knobs: where to listen, how much work one request may ask for,
and how much work the process takes on at once. The API's own limits (steps, runs, ranges) are part of its
contract and live in :mod:`app.limits`. docs/deploying.md explains each one.

>>> Settings(port=9000).port
9000
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .limits import MAX_BODY_BYTES, MAX_WORK


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPTIM_PLAYGROUND_", extra="ignore")

    host: str = Field("127.0.0.1", description="Interface to listen on; 0.0.0.0 in a container")
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=256, description="uvicorn worker processes")
    max_work: int = Field(MAX_WORK, ge=1, description="Work budget of one trajectory request (Optimizer.cost)")
    max_body_bytes: int = Field(MAX_BODY_BYTES, ge=1024, description="Largest request body; larger gets 413")
    assets_dir: Path | None = Field(None, description="Folder holding templates/ and static/ (the package's if unset)")
    # Admission control, per process (see app.admission)
    compute_slots: int = Field(1, ge=1, description="Heavy computations at once, per worker process (the computing "
                               "is Python under one GIL: more slots than 1 share one core; use workers for cores)")
    compute_queue: int = Field(4, ge=0, description="Heavy requests that may wait for a slot; past that, 503")
    light_work: int = Field(20_000, ge=0, description="Requests of at most this much work take the light lane")
    light_slots: int = Field(4, ge=1, description="Light computations at once")
    light_queue: int = Field(64, ge=0, description="Light requests that may wait; past that, 503")
    retry_after: int = Field(2, ge=1, description="Seconds a 503 asks the client to wait (Retry-After)")
    switch_interval: float = Field(0.001, gt=0, le=0.1, description="Python's thread switch interval, in seconds")
    slice_seconds: float = Field(0.05, gt=0, le=1, description="Computing between checks that the client is there")
    # Connections (optim-playground serve)
    limit_concurrency: int = Field(512, ge=1, description="uvicorn: connections at once; past that, 503")
    timeout_keep_alive: int = Field(5, ge=1, description="uvicorn: seconds an idle keep-alive connection stays")
    header_timeout: float = Field(10.0, gt=0, description="Seconds a connection may take to send a request head")
    trusted_hosts: list[str] | None = Field(None, description='Host headers to accept, e.g. ["play.example.org"]')
