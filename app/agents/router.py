"""REST entry points of the agents domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/agents", tags=["agents"])
