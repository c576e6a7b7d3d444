"""Driving a JupyterLab page from Playwright: the page-side helpers both front ends share.

``tests/test_jupyterlab.py`` (a real JupyterLab server, the Binder path) and
``tests/test_lite.py`` (JupyterLite in the built site, the in-browser path) open a chapter, run
it all, find its explorers and move their sliders with these. Both apps are JupyterLab 4: the
page exposes ``window.jupyterapp`` (``expose_app_in_browser`` / ``exposeAppInBrowser``).
"""

from __future__ import annotations

import base64
import io
import json

import numpy as np

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
