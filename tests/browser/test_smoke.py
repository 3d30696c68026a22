"""The served app answers in a real browser."""


def test_api_answers_in_browser(live_server, page):
    response = page.goto(f"{live_server.url}/api/v1/scenarios")
    assert response.status == 200
    assert "s3-vpc-ec2-oracle" in page.content()
