"""The API's OpenAPI schema as checked into docs/api/openapi.json (`manage.py api_schema`
writes it; tests/api/test_schema.py fails when the copy is stale)."""

import json
from pathlib import Path

from django.conf import settings

PATH = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json"


def schema_text() -> str:
    from .api import api

    return json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False) + "\n"
