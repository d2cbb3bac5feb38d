"""The API docs page (Swagger UI) loads every file it needs from the service: it works offline."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.app import SWAGGER_UI_FILES, SWAGGER_UI_VERSION


async def test_the_docs_page_loads_its_files_from_the_service(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/schema/swagger")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self' 'unsafe-inline'" in page.headers["content-security-policy"]
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert len(urls) >= 4, urls  # the bundle, the preset, the styles and the icon
    for url in urls:
        assert url.startswith("/schema/static/swagger-ui/"), url
        served = await client.get(url)
        assert served.status_code == 200, url
        assert served.content == (SWAGGER_UI_FILES / url.rsplit("/", 1)[1]).read_bytes()
        assert served.headers["x-content-type-options"] == "nosniff"
    assert "SwaggerUIBundle" in page.text


def test_the_vendored_files_keep_their_version_and_licence() -> None:
    note = (SWAGGER_UI_FILES / "VERSION").read_text()
    assert f"swagger-ui-dist {SWAGGER_UI_VERSION}" in note and "Apache-2.0" in note
    assert "Apache License" in (SWAGGER_UI_FILES / "LICENSE").read_text()
    assert f'"{SWAGGER_UI_VERSION}"' in (SWAGGER_UI_FILES / "swagger-ui-bundle.js").read_text()
