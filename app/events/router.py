"""REST entry points of the events domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/events", tags=["events"])
