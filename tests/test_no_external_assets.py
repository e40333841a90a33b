"""City networks (LGWAN) cannot reach CDNs: no page may load anything from another host."""

import re

import pytest

EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//(?!testserver)""")


@pytest.mark.parametrize("path", ["/", "/o/demo/", "/o/demo/board/", "/o/demo/display/",
                                  "/api/v1/docs", "/accounts/login/", "/admin/login/"])
def test_pages_load_nothing_from_other_hosts(client, office, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL.findall(html), EXTERNAL.findall(html)
    assert "cdn." not in html
