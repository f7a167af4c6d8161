"""GET / says which service answers, and which version."""

from quart.typing import TestClientProtocol as Client

from myservice import __version__


async def test_home_names_the_service_and_its_version(client: Client) -> None:
    """The front door answers 200 with the service's name and installed version as JSON."""
    response = await client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert await response.get_json() == {"name": "myservice", "version": __version__}
