"""Just enough of the W3C WebDriver protocol, over urllib, to drive Debian's headless chromium.

chromedriver is started on a free port with a fresh profile folder and stopped by its
own PID; no selenium, no network access from the browser.
"""

import base64
import json
import os
import socket
import subprocess
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--window-size=1280,900"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """One chromium session; use as a context manager."""

    def __init__(self, profile):
        self.port = _free_port()
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, "--port=%d" % self.port], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.driver.kill()
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.1)
        options = {"binary": CHROMIUM, "args": FLAGS + ["--user-data-dir=%s" % profile]}
        answer = self._call(
            "POST",
            "/session",
            {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}},
        )
        self.session = "/session/%s" % answer["sessionId"]

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]

    def call(self, method, path, body=None):
        return self._call(method, self.session + path, body)

    def open(self, url):
        self.call("POST", "/url", {"url": url})

    def script(self, source, *args):
        return self.call("POST", "/execute/sync", {"script": source, "args": list(args)})

    def find(self, css):
        return self.call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def type_into(self, element, text):
        self.call("POST", "/element/%s/value" % element, {"text": text})

    def click(self, element):
        self.call("POST", "/element/%s/click" % element, {})

    def screenshot(self, path):
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(self.call("GET", "/screenshot")))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self._call("DELETE", self.session)
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=10)


def available():
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)
