"""Headless Chromium drives the WebUI's Network > Certificates and Mail
Policies > Destination Controls pages as an admin does. Usage:
browser_pages.py URL SHOTS certs P12 PASSPHRASE_FILE
browser_pages.py URL SHOTS dest
Screenshots go to SHOTS. Prints one TAP-ish line per check:
"ok - ..." / "not ok - ..."."""
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import webui_driver
from webui_driver import banner, check, go

url, shots, action = sys.argv[1], sys.argv[2], sys.argv[3]


def shot(driver, name):
    webui_driver.shot(driver, shots, name)


def commit(driver, comment, name):
    go(driver, "commit-changes")
    driver.find_element(By.ID, "comment").send_keys(comment)
    shot(driver, name)
    go(driver, "commit")
    check("Your changes have been committed" in banner(driver)[1],
          "Commit: Your changes have been committed")


def certs(driver):
    p12, passfile = sys.argv[4], sys.argv[5]
    passphrase = open(passfile).read()
    go(driver, "nav-certificates")
    check(driver.title.startswith("Certificates"), "the nav link opens Network > Certificates")
    check("Demo" in driver.find_element(By.ID, "cert-list").text, "the list shows Demo")
    shot(driver, "c1-certificates")
    driver.find_element(By.ID, "import-name").send_keys("webgui")
    driver.find_element(By.ID, "import-file").send_keys(p12)
    driver.find_element(By.ID, "import-passphrase").send_keys(passphrase)
    go(driver, "import")
    kind, msg = banner(driver)
    check(kind == "Success" and 'Certificate profile "webgui" imported' in msg,
          "Import: Success, profile webgui imported")
    row = driver.find_element(By.ID, "cert-webgui").text
    check("gui.test" in row and "WebUI Test CA" in row and "Valid" in row,
          "the list shows webgui: gui.test, issued by WebUI Test CA, Valid")
    shot(driver, "c2-imported")
    # The same name again: the overwrite question; Overwrite.
    driver.find_element(By.ID, "import-name").send_keys("webgui")
    driver.find_element(By.ID, "import-file").send_keys(p12)
    driver.find_element(By.ID, "import-passphrase").send_keys(passphrase)
    go(driver, "import")
    check("already exists. Do you want to overwrite" in banner(driver)[1],
          "the same name again: the overwrite question")
    shot(driver, "c3-overwrite")
    go(driver, "overwrite")
    check(banner(driver)[0] == "Success", "Overwrite: Success")
    Select(driver.find_element(By.ID, "gui_certificate")).select_by_value("webgui")
    go(driver, "assign")
    check(banner(driver)[0] == "Success", "assign webgui to GUI HTTPS: Success")
    check("GUI HTTPS" in driver.find_element(By.ID, "cert-webgui").text,
          "the list says webgui is used by GUI HTTPS")
    shot(driver, "c4-assigned")
    commit(driver, "GUI certificate from the WebUI", "c5-commit")
    shot(driver, "c6-committed")


def dest(driver):
    go(driver, "nav-destconfig")
    check(driver.title.startswith("Destination Controls"),
          "the nav link opens Mail Policies > Destination Controls")
    check("(Default)" in driver.find_element(By.ID, "dest-list").text,
          "the list shows the default entry")
    shot(driver, "d1-destconfig")
    go(driver, "add-destination")
    driver.find_element(By.ID, "domain").send_keys("secure.example")
    driver.find_element(By.ID, "max_host_concurrency").send_keys("7")
    Select(driver.find_element(By.ID, "tls")).select_by_value("require_verify")
    shot(driver, "d2-add")
    go(driver, "submit")
    kind, msg = banner(driver)
    check(kind == "Success", "Add: Success (%s)" % msg)
    row = driver.find_element(By.ID, "dest-secure.example").text
    check("Required (Verify)" in row and "7" in row,
          "the list shows secure.example: 7, Required (Verify)")
    shot(driver, "d3-added")
    # A bad value: the Error banner, nothing staged.
    go(driver, "add-destination")
    driver.find_element(By.ID, "domain").send_keys("bad domain!")
    go(driver, "submit")
    check(banner(driver)[0] == "Error", "a bad domain: the Error banner")
    # DANE Support: Mandatory without a TLS level of its own is refused (the
    # console asks DANE only after a TLS level), then dane.example with
    # TLS Required and DANE Opportunistic.
    driver.get(url + "/destconfig")
    go(driver, "add-destination")
    driver.find_element(By.ID, "domain").send_keys("dane.example")
    Select(driver.find_element(By.ID, "dane")).select_by_value("mandatory")
    go(driver, "submit")
    kind, msg = banner(driver)
    check(kind == "Error" and "DANE Support is part of the domain's own TLS setting" in msg,
          "DANE Mandatory with TLS Default: the Error banner (%s)" % msg)
    shot(driver, "d3b-dane-refused")
    domain = driver.find_element(By.ID, "domain")  # the form again, as it was
    if not domain.get_attribute("value"):
        domain.send_keys("dane.example")
    Select(driver.find_element(By.ID, "tls")).select_by_value("require")
    Select(driver.find_element(By.ID, "dane")).select_by_value("opportunistic")
    shot(driver, "d3c-dane-form")
    go(driver, "submit")
    kind, msg = banner(driver)
    check(kind == "Success", "Add dane.example, TLS Required, DANE Opportunistic: Success (%s)" % msg)
    row = driver.find_element(By.ID, "dest-dane.example").text
    check("Required" in row and "Opportunistic" in row,
          "the list shows dane.example: Required, DANE Opportunistic")
    shot(driver, "d3d-dane-added")
    driver.get(url + "/destconfig")
    # Global settings: the required-TLS failure alert.
    box = driver.find_element(By.ID, "alert_tls_required")
    if not box.is_selected():
        box.click()
    to = driver.find_element(By.ID, "alert_to")
    to.clear()
    to.send_keys("postmaster@example.com")
    go(driver, "setup")
    check(banner(driver)[0] == "Success", "global settings: Success")
    commit(driver, "secure.example from the WebUI", "d4-commit")
    shot(driver, "d5-committed")


driver = webui_driver.new_driver(1400)
try:
    webui_driver.login(driver, url, "admin", "adminpass1")
    go(driver, "login")
    check(driver.current_url.endswith("/sslconfig"), "login")
    {"certs": certs, "dest": dest}[action](driver)
finally:
    driver.quit()
sys.exit(1 if webui_driver.failed else 0)
