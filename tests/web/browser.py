# SPDX-License-Identifier: MIT
"""Browser tests of `lurewatch serve` in headless Chromium (Selenium): sign
in, work three queue items by keyboard, open a network and see its graph,
resolve an item and find it in the audit log, two browsers claiming one item
at once, and hostile ads that must neither run nor break the page.
Screenshots of each page go to OUT. Prints TAP lines ("ok N - ...").

usage: browser.py BASE_URL OUT_DIR DATABASE_URL
"""
import os
import subprocess
import sys
import threading

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException, StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE, OUT, DB = sys.argv[1], sys.argv[2], sys.argv[3]
n = 0
fails = 0


def report(good, name):
    global n, fails
    n += 1
    if not good:
        fails += 1
    print("%s %d - %s" % ("ok" if good else "not ok", n, name), flush=True)


def sql(q):
    env = dict(os.environ, PGOPTIONS="-csearch_path=lurewatch")
    return subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", DB, "-c", q],
                          env=env, capture_output=True, text=True, check=True).stdout.strip()


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1400,1000", "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_page_load_timeout(30)
    return d


def shot(d, name):
    d.save_screenshot(os.path.join(OUT, name + ".png"))


def login(d, name, password):
    d.get(BASE + "/healthz")
    d.delete_all_cookies()
    d.get(BASE + "/login")
    d.find_element(By.ID, "name").send_keys(name)
    d.find_element(By.ID, "password").send_keys(password)
    click_submit(d, d.find_element(By.ID, "signin"))


def key(d, k):
    d.find_element(By.TAG_NAME, "body").send_keys(k)


def gone(old):
    """True once old's page is replaced. Chromium, asked about a node while
    the next page replaces its document, answers "does not belong to the
    document" rather than "stale": that is gone too."""
    def check(_):
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
    return check


def submitted(d, old):
    """Waits until the page that submitted a form (old: its <html>) is gone."""
    WebDriverWait(d, 30).until(gone(old))


def key_submit(d, k, prompt=None):
    old = d.find_element(By.TAG_NAME, "html")
    key(d, k)
    if prompt is not None:
        al = d.switch_to.alert
        al.send_keys(prompt)
        al.accept()
    submitted(d, old)


def click_submit(d, elem):
    old = d.find_element(By.TAG_NAME, "html")
    elem.click()
    submitted(d, old)


def selected(d):
    return d.find_element(By.CSS_SELECTOR, "tr.sel").get_attribute("data-id")


def pwned(d):
    """True when an ad's script ran: they all set the title or raise alerts."""
    try:
        d.switch_to.alert.dismiss()
        return True
    except NoAlertPresentException:
        pass
    return "PWNED" in d.title


def main():
    a = browser()
    b = None
    try:
        login(a, "alice", "alice-password-1")
        report(a.current_url.endswith("/queue"), "alice signs in and lands on the queue")
        shot(a, "queue")
        rows = a.find_elements(By.CSS_SELECTOR, "tr[data-id]")
        report(len(rows) >= 4, "the queue lists items (%d)" % len(rows))
        first = selected(a)
        report(first == rows[0].get_attribute("data-id"), "the first row starts selected")
        key(a, "j")
        key(a, "j")
        key(a, "k")
        report(selected(a) == rows[1].get_attribute("data-id"), "j/k move the selection")

        # 1: claim the selected item with c.
        item1 = selected(a)
        key_submit(a, "c")
        report(sql("SELECT claimed_by FROM queue_items WHERE id = %s" % item1) == "alice",
               "c claims the selected item")
        report(selected(a) == item1, "the selection stays on the claimed item")
        # 2: dismiss the next one with d.
        key(a, "j")
        item2 = selected(a)
        key_submit(a, "d")
        report(sql("SELECT verdict || ':' || resolved_by FROM queue_items WHERE id = %s" % item2)
               == "dismissed:alice", "d dismisses the selected item")
        report(item2 not in [r.get_attribute("data-id") for r in
                             a.find_elements(By.CSS_SELECTOR, "tr[data-id]")],
               "the dismissed item leaves the open queue")
        # 3: a note with n, then escalate with e.
        item3 = selected(a)
        key_submit(a, "n", "same phone as the Nelson ads")
        report(sql("SELECT note FROM queue_notes WHERE item_id = %s ORDER BY id DESC LIMIT 1" % item3)
               == "same phone as the Nelson ads", "n adds a note to the selected item")
        key_submit(a, "e", "labour_inspectorate")
        report(sql("SELECT verdict || ':' || escalated_to FROM queue_items WHERE id = %s" % item3)
               == "escalated:labour_inspectorate", "e escalates the selected item to an agency")
        shot(a, "queue-after-triage")

        # The item page, evidence highlighted.
        a.get(BASE + "/item/%s" % item1)
        marks = a.find_elements(By.CSS_SELECTOR, "#ad-text mark.hit")
        report(len(marks) > 0, "the item page highlights hits")
        report(len(a.find_elements(By.CSS_SELECTOR, "#ad-text sup.lbl")) == len(
            a.find_elements(By.CSS_SELECTOR, "table.hits tr")) - 1, "every hit is labelled")
        report(a.find_element(By.ID, "explain").is_displayed(), "the score is explained")

        # An item of a network (the README's screenshot), then the network.
        net = sql("SELECT network_id FROM listing_networks GROUP BY network_id"
                  " HAVING count(*) > 2 ORDER BY 1 LIMIT 1")
        member = sql("SELECT q.id FROM queue_items q JOIN listing_networks n ON n.listing_id ="
                     " q.listing_id WHERE n.network_id = %s ORDER BY q.priority DESC LIMIT 1" % net)
        a.get(BASE + "/item/%s" % member)
        report(len(a.find_elements(By.ID, "network-link")) == 1, "the item page links its network")
        shot(a, "item")
        a.get(BASE + "/network/%s" % net)
        img = a.find_element(By.ID, "graph")
        w = a.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
        report(bool(w) and w > 50, "the network page shows its graph (SVG, %s px)" % w)
        report(len(a.find_elements(By.CSS_SELECTOR, "#shared tr")) > 1,
               "the network page lists shared contacts")
        shot(a, "network")

        # Resolve from the item page, then see it in the audit log.
        item4 = sql("SELECT id FROM queue_items WHERE status = 'new'"
                    " ORDER BY urgent DESC, priority DESC, id LIMIT 1")
        a.get(BASE + "/item/%s" % item4)
        click_submit(a, a.find_element(By.ID, "claim"))
        a.find_element(By.ID, "verdict").send_keys("confirmed")
        a.find_element(By.ID, "resolve-note").send_keys("recruiter known to police")
        click_submit(a, a.find_element(By.ID, "resolve"))
        report(sql("SELECT verdict FROM queue_items WHERE id = %s" % item4) == "confirmed",
               "resolve from the item page")
        report("recruiter known to police" in a.find_element(By.ID, "history").text,
               "the item's history shows the resolution")

        b = browser()
        login(b, "sue", "sue-password-1")
        b.get(BASE + "/audit?actor=alice")
        audit = b.find_element(By.ID, "audit").text
        report("resolved" in audit and item4 in audit, "the supervisor sees it in the audit log")
        shot(b, "audit")

        # Two browsers claim the same item at the same moment.
        login(b, "bob", "bob-password-1")
        target = sql("SELECT id FROM queue_items WHERE status = 'new' ORDER BY id LIMIT 1")
        for d in (a, b):
            d.get(BASE + "/item/%s" % target)
        buttons = [d.find_element(By.ID, "claim") for d in (a, b)]
        go = threading.Barrier(2)

        olds = [d.find_element(By.TAG_NAME, "html") for d in (a, b)]

        def click(btn):
            go.wait()
            btn.click()

        ts = [threading.Thread(target=click, args=(x,)) for x in buttons]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        for d, old in zip((a, b), olds):
            submitted(d, old)
        texts = [d.find_element(By.TAG_NAME, "body").text for d in (a, b)]
        refused = sum(1 for t in texts if "is claimed by" in t)
        holder = sql("SELECT claimed_by FROM queue_items WHERE id = %s" % target)
        report(holder in ("alice", "bob") and refused == 1,
               "two browsers claiming at once: one claim (%s), one refusal" % holder)
        report(sql("SELECT count(*) FROM audit_log WHERE item_id = %s AND action = 'claimed'"
                   % target) == "1", "and one claim in the audit log")

        # Hostile ads: nothing runs, the page still renders.
        for url in ("http://127.0.0.1/h/script.html", "javascript:document.title='PWNED'//http://127.0.0.1/",
                    "http://127.0.0.1/h/long.html"):
            iid = sql("SELECT q.id FROM queue_items q JOIN listings l ON l.id = q.listing_id"
                      " WHERE l.url = $$%s$$" % url)
            a.get(BASE + "/item/%s" % iid)
            ok_render = a.find_element(By.ID, "ad-text").is_displayed() and \
                a.find_element(By.ID, "explain").is_displayed()
            a.find_element(By.ID, "ad-text").click()
            report(not pwned(a) and ok_render, "hostile item %s: nothing runs, the page renders" % iid)
            scripts = a.execute_script("return document.scripts.length")
            frames = a.execute_script("return document.querySelectorAll('iframe,img[src=x],svg').length")
            report(scripts == 1 and frames == 0, "hostile item %s: no ad markup in the DOM" % iid)
        shot(a, "hostile-item")
        a.get(BASE + "/queue?status=all")
        report(not pwned(a) and len(a.find_elements(By.CSS_SELECTOR, "tr[data-id]")) > 0,
               "the queue with hostile titles renders and runs nothing")
        a.get(BASE + "/search?q=passport")
        report(not pwned(a) and len(a.find_elements(By.CSS_SELECTOR, ".results li")) > 0,
               "search over hostile ads renders and runs nothing")
        shot(a, "search")
        for page in ("rules", "status"):
            a.get(BASE + "/" + page)
            shot(a, page)
        errors = [e for e in a.get_log("browser") if e.get("level") == "SEVERE"
                  and "Content Security Policy" not in e.get("message", "")
                  and "favicon" not in e.get("message", "")
                  and "Failed to load resource" not in e.get("message", "")]
        report(not errors, "no script errors in the browser console %s" % (errors[:2] or ""))
    finally:
        a.quit()
        if b:
            b.quit()
    print("1..%d" % n)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
