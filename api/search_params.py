"""The query parameters of ``GET /search``: one pydantic model, validated once per request.

FastAPI solving twenty-five separately declared query parameters (or a ``Query()`` model,
which it still takes apart field by field) cost ~0.6 ms of CPU per search, about a tenth of
the API process's cost; reading the query string once into :class:`SearchParams` costs
~0.05 ms. FastAPI then does not see the parameters, so :func:`openapi_parameters` documents
them, one by one with their descriptions, from the same model (the route's
``openapi_extra``). A bad value is the same 422 FastAPI gives (``loc`` ``["query", name,
...]``); a parameter the model does not know is a 422 naming it and the known ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, get_origin

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.schemas.listings import MAX_MILEAGE_KM, MAX_PRICE_EGP
from api.search_wiring import unknown_parameters
from search.facet_values import (
    BodyType,
    Category,
    Condition,
    Fuel,
    Governorate,
    SellerType,
    Transmission,
)
from search.query.request import SortOrder

MAX_QUERY = 200
MAX_VALUES = 20  # values of one filter


def _values(description: str) -> Any:
    """A repeatable filter (``?make=toyota&make=kia``): any of the values."""
    return Field([], max_length=MAX_VALUES, description=description)


class SearchParams(BaseModel):
    """What ``GET /search`` accepts; the facets are repeatable and match any of their values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str = Field("", max_length=MAX_QUERY, description="Arabic, English or mixed")
    category: list[Category] = _values("Listing category")
    make: list[str] = _values("Make, in any spelling (تويوتا, toyota)")
    model: list[str] = _values("Model, in any spelling")
    year_min: int | None = Field(None, ge=1950, le=2035, description="Model year from")
    year_max: int | None = Field(None, ge=1950, le=2035, description="Model year up to")
    price_min: int | None = Field(None, ge=0, le=MAX_PRICE_EGP, description="Price from, EGP")
    price_max: int | None = Field(None, ge=0, le=MAX_PRICE_EGP, description="Price up to, EGP")
    mileage_max: int | None = Field(None, ge=0, le=MAX_MILEAGE_KM, description="Mileage up to, km")
    body: list[BodyType] = _values("Body type")
    fuel: list[Fuel] = _values("Fuel")
    transmission: list[Transmission] = _values("Transmission")
    colour: list[str] = _values("Colour")
    condition: list[Condition] = _values("New or used")
    governorate: list[Governorate] = _values("Governorate code")
    city: list[str] = _values("City")
    seller_type: list[SellerType] = _values("Dealer or individual seller")
    installments: bool | None = Field(
        None, description="Only listings with (or without) installments"
    )
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude of the buyer's place")
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude of the buyer's place")
    radius_km: float | None = Field(
        None, gt=0, le=1000, description="Only listings this near the place (needs lat and lon)"
    )
    sort: SortOrder = Field(SortOrder.RELEVANCE, description="Order of the hits")
    page: int = Field(1, ge=1, description="1-based page for page/size paging")
    size: int = Field(20, ge=1, description="Hits per page (capped by the settings)")
    cursor: str | None = Field(
        None, max_length=4096, description="The previous page's next_cursor, for deep paging"
    )


def _is_list(annotation: Any) -> bool:
    return get_origin(annotation) is list


REPEATABLE = frozenset(n for n, f in SearchParams.model_fields.items() if _is_list(f.annotation))
KNOWN = tuple(sorted(SearchParams.model_fields))


def read_search_params(pairs: list[tuple[str, str]]) -> SearchParams:
    """The model from a query string's pairs (the last value of a single-valued parameter
    counts, as in FastAPI); :class:`RequestValidationError` shaped like FastAPI's own."""
    values: dict[str, Any] = {}
    for name, value in pairs:
        if name in REPEATABLE:
            values.setdefault(name, []).append(value)
        else:
            values[name] = value
    unknown = sorted(set(values) - SearchParams.model_fields.keys())
    if unknown:
        raise unknown_parameters(unknown, KNOWN)
    try:
        return SearchParams.model_validate(values)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError(
            [error | {"loc": ("query", *error["loc"])} for error in errors]
        ) from None


async def _search_params(request: Request) -> SearchParams:
    return read_search_params(request.query_params.multi_items())


SearchParamsDep = Annotated[SearchParams, Depends(_search_params)]


def _inlined(schema: Any, definitions: Mapping[str, Any]) -> Any:
    """``schema`` with its ``$ref``s to the model's ``$defs`` (the enums) written in place."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inlined(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {key: _inlined(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    return schema


def openapi_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The OpenAPI ``parameters`` of a query model: each field optional, with its schema and
    description (as FastAPI documents separately declared query parameters)."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    return [
        {"name": name, "in": "query", "required": name in schema.get("required", ()),
         "schema": _inlined(field, definitions), "description": field.get("description", "")}
        for name, field in schema["properties"].items()
    ]  # fmt: skip
