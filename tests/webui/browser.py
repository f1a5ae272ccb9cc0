"""Headless Chromium drives the WebUI as an admin does: log in, SSL
Configuration, Edit Settings (a contiguous set; a non-contiguous one is
greyed out), Submit, Commit Changes with a comment. Screenshots go to the
folder given. Prints one TAP-ish line per check: "ok - ..." / "not ok - ..."."""
import sys

from selenium.webdriver.common.by import By

import webui_driver
from webui_driver import check, go

url, shots, action = sys.argv[1], sys.argv[2], sys.argv[3]


def shot(driver, name):
    webui_driver.shot(driver, shots, name)


driver = webui_driver.new_driver(1000)
# A click that submits a form may return before the next page is there (a
# loaded machine): every lookup waits up to 15 s for its element.
driver.implicitly_wait(15)
try:
    webui_driver.login(driver, url, "admin", "adminpass1")
    shot(driver, "1-login")
    go(driver, "login")
    check(driver.current_url.endswith("/sslconfig"), "login lands on SSL Configuration")
    check("TLS v1.2 TLS v1.1" in driver.find_element(By.ID, "gui-methods").text,
          "the view shows GUI HTTPS methods TLS v1.2 TLS v1.1")
    shot(driver, "2-sslconfig")
    if action == "ssl":
        go(driver, "edit-settings")
        box = lambda v: driver.find_element(By.ID, "ssl_gui_method_tlsv1_" + v)
        check(box("2").is_selected() and box("1").is_selected(), "form: 1.2 and 1.1 ticked")
        check(not box("3").is_selected() and box("3").is_enabled(), "form: 1.3 offered")
        box("1").click()  # untick 1.1: {1.2}
        box("3").click()  # tick 1.3: {1.2, 1.3}
        check(box("3").is_selected() and box("2").is_selected() and not box("1").is_selected(),
              "ticked a contiguous set: TLS v1.3 and v1.2")
        check(not box("0").is_enabled(), "TLS v1.0 is greyed out (it would break the run)")
        check(box("1").is_enabled(), "TLS v1.1 stays offered (it extends the run)")
        cls = box("0").find_element(By.XPATH, "..").get_attribute("class")
        check("greyed" in (cls or ""), "the greyed box's label is greyed")
        try:
            box("0").click()
        except Exception:
            pass
        check(not box("0").is_selected(), "clicking the greyed-out TLS v1.0 ticks nothing")
        shot(driver, "3-edit-greyed")
        go(driver, "submit")
        check(driver.find_element(By.ID, "action-results-title").text == "Success",
              "Submit: Success banner")
        check("TLS v1.3 TLS v1.2" in driver.find_element(By.ID, "gui-methods").text,
              "the view shows the staged methods")
        shot(driver, "4-staged")
        go(driver, "commit-changes")
        check("GUI HTTPS method" in driver.find_element(By.ID, "changes").text,
              "the commit page lists the pending change")
        check("keep working" in driver.page_source, "the commit page says open connections keep working")
        driver.find_element(By.ID, "comment").send_keys("TLS 1.3 for the GUI, from the WebUI")
        shot(driver, "5-commit")
        go(driver, "commit")
        check("Your changes have been committed" in
              driver.find_element(By.ID, "action-results-message").text,
              "Commit: Your changes have been committed")
        driver.implicitly_wait(0)  # looking for an absence: do not wait for it
        check(not driver.find_elements(By.ID, "commit-changes"),
              "the Commit Changes button is gone")
        driver.implicitly_wait(15)
        shot(driver, "6-committed")
        driver.get(url + "/sslconfig")
        check("TLS v1.3 TLS v1.2" in driver.find_element(By.ID, "gui-methods").text,
              "after the commit the page still loads over the new GUI settings")
finally:
    driver.quit()
sys.exit(1 if webui_driver.failed else 0)
