"""Driving the chapters in a real browser: servers, Chromium, and JupyterLab's page-side API.

``tests/test_jupyterlab.py`` (a real JupyterLab server, the Binder path), ``tests/test_lite.py``
(JupyterLite in the built site, the in-browser path) and ``benchmarks/lite.py`` open a chapter,
run it all, find its explorers and move their sliders with these. Both apps are JupyterLab 4:
the page exposes ``window.jupyterapp`` (``expose_app_in_browser`` / ``exposeAppInBrowser``).
"""

from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import os
import secrets
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

#: Chromium as root, headless, quiet; ``offline`` adds: no host but 127.0.0.1 resolves.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def launch_chromium(playwright, executable: str, offline: bool = True):
    """A headless Chromium from ``executable`` (Debian's); with ``offline``, no DNS but localhost."""
    return playwright.chromium.launch(executable_path=executable,
                                      args=CHROMIUM_ARGS + (OFFLINE_ARGS if offline else []))


class _Recording(http.server.SimpleHTTPRequestHandler):
    """Serves a folder and records every request as ``[path, bytes sent]``."""

    served: list[list]

    def log_message(self, *args):
        pass

    def end_headers(self):
        self.record = [self.path, 0]
        self.served.append(self.record)  # list.append is atomic: safe across the server's threads
        super().end_headers()

    def copyfile(self, source, outputfile):
        data = source.read()
        self.record[1] = len(data)
        outputfile.write(data)


def serve(directory) -> tuple[http.server.ThreadingHTTPServer, str, list[list]]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread: ``(server, base URL, served)``."""
    served: list[list] = []
    handler = functools.partial(type("Handler", (_Recording,), {"served": served}), directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/", served


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_jupyterlab(lab: str, chapters, work: Path, timeout_s: float = 180):
    """Start ``lab`` (a ``jupyter-lab`` executable) on ``chapters`` with its state in ``work``.

    Returns ``(process, base URL, token)``; raises RuntimeError with the log's tail if it does
    not answer within ``timeout_s``. No news, no update check, the app exposed to scripts.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    for name, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl")):
        env[name] = str(work / sub)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    # No "official Jupyter news?" toast over the notebook (it would also try to reach the web).
    settings = work / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    port, token = _free_port(), secrets.token_hex(16)
    log = open(work / "lab.log", "w")
    proc = subprocess.Popen(
        [lab, "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={chapters}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.workspaces_dir=" + str(work / "workspaces"),
         "--LabApp.user_settings_dir=" + str(work / "settings")],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work,
    )
    log.close()
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(f"{base}api/status?token={token}", timeout=5).read()
            return proc, base, token
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                tail = (work / "lab.log").read_text()[-3000:]
                raise RuntimeError(f"JupyterLab did not start; log:\n{tail}")
            time.sleep(0.5)


def stop(proc) -> None:
    """Terminate a server started by :func:`start_jupyterlab` (kill it after 30 s)."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


OPEN = """async () => {
    const app = window.jupyterapp; await app.started; await app.restored;
    const nb = app.shell.currentWidget;
    await nb.context.ready; await nb.sessionContext.ready;
    while (!nb.sessionContext.session || !nb.sessionContext.session.kernel) await new Promise(r => setTimeout(r, 200));
    return nb.context.path;
}"""

RUN_ALL = """async (timeoutMs) => {
    const app = window.jupyterapp, nb = app.shell.currentWidget, deadline = Date.now() + timeoutMs;
    await app.commands.execute('notebook:run-all-cells');
    // Empty code cells never get an execution count: leave them out.
    const cells = () => nb.content.widgets.filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().trim());
    // Run All stops at a cell that raises: then stop waiting too.
    const failed = () => cells().some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
    while ((nb.sessionContext.session.kernel.status !== 'idle'
            || cells().some(c => c.model.executionCount === null || c.model.executionState === 'running'))
           && !failed() && Date.now() < deadline)
        await new Promise(r => setTimeout(r, 250));
    return cells().map((c, i) => ({index: nb.content.widgets.indexOf(c), count: c.model.executionCount,
                                   outputs: c.model.outputs.toJSON()}));
}"""

KERNEL = """async (code) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    let out = '', err = '';
    const future = kernel.requestExecute({code, store_history: false, silent: false});
    future.onIOPub = msg => {
        if (msg.header.msg_type === 'stream') out += msg.content.text;
        if (msg.header.msg_type === 'error') err += msg.content.ename + ': ' + msg.content.evalue;
    };
    await future.done;
    return {out, err};
}"""

SCROLL_TO = """async (cellIndex) => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    nb.activeCellIndex = cellIndex;
    await nb.scrollToItem(cellIndex, 'start');
    await new Promise(r => setTimeout(r, 300));
}"""

# The first markdown cell that opens an {exercise} (every chapter has one), as jupyterlab-myst
# shows it: a rendered box with the exercise's title, not the raw ```{exercise} fence.
EXERCISE = """async () => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    const i = nb.widgets.findIndex(w => w.model.type === 'markdown'
                                   && w.model.sharedModel.getSource().startsWith('```{exercise}'));
    if (i < 0) return {index: -1, text: ''};
    nb.activeCellIndex = i; await nb.scrollToItem(i, 'start');
    for (let k = 0; k < 40 && !nb.widgets[i].rendered; k++) await new Promise(r => setTimeout(r, 250));
    await new Promise(r => setTimeout(r, 500));
    return {index: i, text: nb.widgets[i].node.innerText};
}"""

SHOWN = """async (cellIndex) => {
    const node = window.jupyterapp.shell.currentWidget.content.widgets[cellIndex].node;
    const img = node.querySelector('.jp-OutputArea img');
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let s = ''; for (const b of bytes) s += String.fromCharCode(b);
    const r = img.getBoundingClientRect();
    return {png: btoa(s), natural: [img.naturalWidth, img.naturalHeight], shown: [r.width, r.height]};
}"""

LAYOUT = """(cellIndex) => {
    const node = window.jupyterapp.shell.currentWidget.content.widgets[cellIndex].node;
    const box = node.querySelector('.jp-OutputArea .widget-hbox');
    const labels = [...node.querySelectorAll('.widget-slider .widget-label')]
        .map(l => ({text: l.textContent, cut: l.scrollWidth > l.clientWidth + 1}));
    const r = box.getBoundingClientRect();
    return {overflow: box.scrollWidth > box.clientWidth + 1, width: r.width, height: r.height, labels};
}"""

EXPLORER_VIEWS = """
import gc as _gc, json as _json
from lngeo.explorer import Explorer as _Explorer
print(_json.dumps([o.view.model_id for o in _gc.get_objects() if issubclass(type(o), _Explorer) and o.view is not None]))
"""

EXPLORER_STATE = """
import base64 as _b64, gc as _gc, json as _json
from lngeo.explorer import Explorer as _Explorer
_ex = next(o for o in _gc.get_objects() if issubclass(type(o), _Explorer) and o.view is not None and o.view.model_id == {mid!r})
_state = {{"values": _ex.values, "errors": [repr(e) for e in _ex.errors], "live": _b64.b64encode(_ex.image.value).decode()}}
if {fresh}:
    _fresh = _ex.twin()
    _fresh.set(**_ex.values)
    _state["fresh"] = _b64.b64encode(_fresh.image.value).decode()
print(_json.dumps(_state))
"""


def pixels(b64: str) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB")).astype(int)


def kernel_state(page, mid: str, fresh: bool) -> dict:
    res = page.evaluate(KERNEL, EXPLORER_STATE.format(mid=mid, fresh=fresh))
    assert not res["err"], f"kernel error while inspecting explorer {mid}: {res['err']}"
    return json.loads(res["out"].strip().splitlines()[-1])


def open_notebook(page, url: str) -> str:
    """Go to ``url`` (a notebook in JupyterLab or JupyterLite); return the notebook's path once
    the app is restored and the notebook's kernel session exists."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext")
    return page.evaluate(OPEN)


def explorers(page, cells) -> list[tuple[int, str]]:
    """``(cell index, widget model id)`` of every explorer the Run All ``cells`` displayed."""
    res = page.evaluate(KERNEL, EXPLORER_VIEWS)
    assert not res["err"], res["err"]
    views = set(json.loads(res["out"].strip().splitlines()[-1]))
    return [(c["index"], o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"])
            for c in cells for o in c["outputs"]
            if o.get("data", {}).get("application/vnd.jupyter.widget-view+json", {}).get("model_id") in views]


def drag_first_slider(page, output, dx: float = 45) -> None:
    """Drag the first slider's handle in ``output`` (a locator) ``dx`` px right, with the mouse
    (an ipywidgets 8 slider ignores arrow keys)."""
    handle = output.locator(".widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=6)
    page.mouse.up()


def drag_and_wait(page, index: int, mid: str, output, dx: float = 45, timeout_s: float = 60) -> dict:
    """Drag explorer ``mid``'s first slider (cell ``index``) and wait for the update.

    Done when the page shows a new image and it is the kernel's image at the kernel's new value
    (a drag sends several values: the first new image may not be the last). Returns ``seconds``
    (from the release), ``before``/``shown`` (the PNGs, base64) and ``before_state``/``state``
    (:func:`kernel_state`).
    """
    before_state = kernel_state(page, mid, fresh=False)
    before = page.evaluate(SHOWN, index)["png"]
    drag_first_slider(page, output, dx)
    released = time.monotonic()
    shown, state = before, before_state
    while time.monotonic() - released < timeout_s:
        shown = page.evaluate(SHOWN, index)["png"]
        if shown != before:
            state = kernel_state(page, mid, fresh=False)
            if shown == state["live"] and state["values"] != before_state["values"]:
                break
        page.wait_for_timeout(10)
    return {"seconds": time.monotonic() - released, "before": before, "shown": shown,
            "before_state": before_state, "state": state}
