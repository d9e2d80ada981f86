"""REST entry points of the federation domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/federation", tags=["federation"])
