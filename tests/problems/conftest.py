"""Problem fixtures: an engineer of the 3rd level (whose tier works problems by default), a problem,
and tickets of customers writing in German and in English."""

import pytest

from problems import services
from tests.factories import CustomerFactory, make_ticket


@pytest.fixture
def engineer(agent3):
    return agent3


@pytest.fixture
def problem(engineer):
    return services.problem_create(
        actor=engineer, title="VPN gateway drops tunnels after the 5.1 update",
        description="The gateway's keep-alive changed in 5.1.", cause="Keep-alive interval too short.",
        affected_systems="VPN gateway", affected_versions="5.1.0-5.1.2",
        summary_en="Our VPN drops connections since an update.", summary_de="Unser VPN trennt seit einem Update die Verbindung.",
        workaround_en="Reconnect, or use the web portal meanwhile.", workaround_de="Neu verbinden oder solange das Webportal nutzen.",
        resolution_en="We installed version 5.1.3; the VPN stays connected.",
        resolution_de="Wir haben Version 5.1.3 installiert; das VPN bleibt verbunden.",
    )


@pytest.fixture
def make_customer_ticket(tiers):
    def _make(language="en", subject="VPN keeps dropping", **kwargs):
        person = CustomerFactory(profile__language=language)
        return make_ticket(person, subject=subject, notify=False, **kwargs)

    return _make
