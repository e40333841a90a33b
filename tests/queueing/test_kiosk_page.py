"""The kiosk page's set-up link: the device key leaves the address, the language stays."""


def test_the_kiosk_keeps_the_language_through_the_device_redirect(client, office):
    """Fault 1.9: ``?device=…&lang=en`` came back as ``/kiosk/`` in Japanese."""
    response = client.get("/o/demo/kiosk/?device=demo-kiosk&lang=en")
    assert response.status_code == 302
    assert response["Location"] == "/o/demo/kiosk/?lang=en"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert '<html lang="en"' in page.content.decode()
    # Without a language the kiosk stays in its own (Japanese), as before.
    assert client.get("/o/demo/kiosk/?device=demo-kiosk")["Location"] == "/o/demo/kiosk/"


def test_a_kiosk_set_up_in_a_language_returns_to_it_after_a_visitor_chose_another(client, office):
    client.get("/o/demo/kiosk/?device=demo-kiosk&lang=en")
    own = client.get("/o/demo/kiosk/?lang=en").content.decode()
    assert "data-kiosk-home" not in own  # already in its own language: nowhere to return to
    other = client.get("/o/demo/kiosk/?lang=ko").content.decode()
    assert 'data-kiosk-home="/o/demo/kiosk/?lang=en"' in other
    client.get("/o/demo/kiosk/?device=demo-kiosk")  # set up again without a language
    assert 'data-kiosk-home="/o/demo/kiosk/"' in client.get("/o/demo/kiosk/?lang=ko").content.decode()
