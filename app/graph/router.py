"""REST entry points of the graph domain (the query API fills this in)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["graph"])
