"""A customer finds "Your data" in the footer, downloads their data as a ZIP and asks for erasure."""

import json
import zipfile

import pytest
from playwright.sync_api import Page, expect

from privacy.models import ErasureRequest
from tests.browser.helpers import flash
from tests.factories import make_ticket

pytestmark = pytest.mark.browser


def test_a_customer_downloads_their_data_and_asks_for_erasure(page: Page, url, login_as, customer, tiers, tmp_path):
    make_ticket(customer, subject="Scanner jams", description="Every third page.")
    login_as(customer)
    page.goto(url("/portal/"))
    expect(page.get_by_test_id("privacy-link")).to_be_visible()
    page.get_by_role("contentinfo").get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", name="Your data", exact=True)).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_test_id("export-data").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = json.loads(zipfile.ZipFile(path).read("data.json"))
    assert [t["subject"] for t in data["tickets"]] == ["Scanner jams"]
    assert data["account"]["email"] == customer.email

    page.get_by_label("I understand that this cannot be undone.").check()
    page.get_by_role("button", name="Ask for erasure").click()
    expect(flash(page)).to_contain_text("Your request has been recorded")
    expect(page.get_by_test_id("erasure-pending")).to_be_visible()
    assert ErasureRequest.objects.get().person == customer
