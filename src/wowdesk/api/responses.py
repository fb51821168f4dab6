"""Answers built straight from the models: pydantic serialises them to JSON in one call.

A route that returns a model makes FastAPI validate it again against its ``response_model``
before serialising it — for a page of 25 tickets that second pass cost as much as building the
page. Routes keep ``response_model=`` for the OpenAPI document and return :func:`model_response`.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Response
from pydantic import BaseModel

JSON = "application/json"


def model_response(
    model: BaseModel, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, media_type=JSON, headers=headers)
