"""REST entry points of the compliance domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/compliance", tags=["compliance"])
