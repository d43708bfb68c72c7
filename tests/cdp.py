"""A small Chrome DevTools Protocol client for tests: headless Chromium, one page.

The HTML report is checked in a real browser, the system's `chromium` (Debian
package; scripts/test.sh installs it), driven over the DevTools protocol
with `websocket-client`: open a page, run JavaScript in it, press keys, take
a screenshot, and collect every console error, uncaught exception and failed
load along the way. Playwright and Selenium would download their own browser
or driver; the protocol needs neither.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Self

import websocket


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page (tab), closed by `close()` or `with`."""

    def __init__(self, executable: str, *, width: int = 1280, height: int = 900) -> None:
        self._profile = tempfile.mkdtemp(prefix="rcov-chromium-")
        self.proc = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",  # tests run as root in containers
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                f"--user-data-dir={self._profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        try:
            self._ws = websocket.create_connection(self._browser_url(), timeout=30)
            target = self._call("Target.createTarget", url="about:blank")["targetId"]
            self._session = self._call("Target.attachToTarget", targetId=target, flatten=True)[
                "sessionId"
            ]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable")
            self.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
        except Exception:
            self.close()
            raise

    def _browser_url(self) -> str:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 30
        seen = []
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                # Keep reading its log, or a full pipe would stop the browser.
                threading.Thread(target=self._drain, daemon=True).start()
                return match.group(1)
        raise BrowserError("chromium did not start:\n" + "".join(seen))

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for _ in self.proc.stderr:
            pass

    def _call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        while True:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self.events.append(reply)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """A command to the page."""
        return self._call(method, self._session, **params)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        """The next event `method` (events seen before are kept in `events`)."""
        deadline = time.monotonic() + timeout
        self._ws.settimeout(timeout)
        while time.monotonic() < deadline:
            event: dict[str, Any] = json.loads(self._ws.recv())
            if "method" in event:
                self.events.append(event)
                if event["method"] == method:
                    return event
        raise BrowserError(f"no {method} within {timeout}s")

    def open(self, path: Path) -> None:
        """Navigate to a local file and wait until it has loaded (scripts included)."""
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str) -> Any:
        """Evaluate `expression` in the page; its value (JSON-able) or BrowserError."""
        reply = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            raise BrowserError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def press(self, key: str) -> None:
        """Type one printable key (as a user would: keydown, char, keyup)."""
        code = f"Key{key.upper()}" if key.isalpha() else ""
        self.call("Input.dispatchKeyEvent", type="keyDown", key=key, text=key, code=code)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code)

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen so far."""
        problems = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                problems.append(
                    f"exception: {details.get('exception', {}).get('description', details)}"
                )
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = [a.get("value", a.get("description")) for a in params.get("args", [])]
                problems.append(f"console.{params['type']}: {args}")
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                entry = params["entry"]
                problems.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        return problems

    def close(self) -> None:
        ws = getattr(self, "_ws", None)
        if ws is not None:
            try:
                self._call("Browser.close")
            except Exception:  # noqa: BLE001, S110 - the browser may be gone already
                pass
            ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
