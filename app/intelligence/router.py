"""REST entry points of the intelligence domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/intelligence", tags=["intelligence"])
