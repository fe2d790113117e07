"""The navigation bar marks the section a page belongs to, sub-pages included."""

import re

from web import create_app


def _active(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]*"\s+class="active"[^>]*>([^<]+)</a>', html)


def test_sub_pages_mark_their_section(ctx):
    client = create_app(context=ctx).test_client()
    assert _active(client.get("/").get_data(as_text=True)) == ["Now"]
    assert _active(client.get("/events").get_data(as_text=True)) == ["Events"]
    event_page = client.get("/events/999999", headers={"Accept": "text/html"})
    assert event_page.status_code == 404
    assert _active(event_page.get_data(as_text=True)) == ["Events"]
    assert _active(client.get("/climso/image/999999").get_data(as_text=True)) == ["CLIMSO"]
