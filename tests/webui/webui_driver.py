"""What the WebUI's browser scripts share (browser.py, browser_pages.py):
headless Chromium through selenium, the TAP-ish check lines, navigation that
waits for the next page, screenshots, the result banner, the login."""
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

failed = 0


def check(cond, what):
    """Prints "ok - what" or "not ok - what"; failures are counted."""
    global failed
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    if not cond:
        failed += 1


def go(driver, element_id):
    """Clicks a link or submit button and waits for the next page: a click
    may return before the navigation it starts (a loaded machine)."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, element_id).click()
    WebDriverWait(driver, 30).until(lambda d: gone(old))


def gone(element):
    """Is the element's page replaced? Chromium answers a node of a page
    being replaced with an "inspector error" instead of a stale element
    (seen when the next page comes back fast): both mean gone."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as e:
        if "does not belong to the document" in str(e):
            return True
        raise


def shot(driver, shots, name):
    driver.save_screenshot("%s/webui-%s.png" % (shots, name))


def banner(driver):
    """The result banner's kind and message ("", "" when none)."""
    found = driver.find_elements(By.ID, "action-results-title")
    if not found:
        return "", ""
    return found[0].text, driver.find_element(By.ID, "action-results-message").text


def new_driver(height):
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--ignore-certificate-errors", "--window-size=1280,%d" % height):
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(20)
    return driver


def login(driver, url, user, password):
    """Fills the login form; the next page is loaded when it returns."""
    driver.get(url + "/login")
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
