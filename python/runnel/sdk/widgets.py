"""RunDetails(run).show(): a live view of a run. In a terminal, one line per step as its
status changes until the run ends; in Jupyter (when ipywidgets/IPython display is there),
a small HTML table refreshed until the run ends."""

import sys
import time

from .runs import _FINAL


class RunDetails:
    def __init__(self, run_instance):
        if not hasattr(run_instance, "get_steps") and not hasattr(run_instance, "parent"):
            raise TypeError("RunDetails: expected a PipelineRun or StepRun, not %s" % type(run_instance).__name__)
        self.run = run_instance

    def _rows(self):
        run = self.run if hasattr(self.run, "get_steps") else self.run.parent
        return run, [(s.name, s.get_status(), s.id) for s in reversed(run.get_steps())]

    def _in_notebook(self):
        shell = sys.modules.get("IPython")
        try:
            return shell is not None and shell.get_ipython() is not None and \
                "IPKernelApp" in shell.get_ipython().config
        except Exception:  # noqa: BLE001 (any IPython trouble: fall back to text)
            return False

    def get_widget_data(self, widget_settings=None):
        run, rows = self._rows()
        return {"run_id": run.id, "status": run.get_status(),
                "children": [{"name": n, "status": s, "run_id": i} for n, s, i in rows]}

    def show(self, render_lib=None, widget_settings=None):
        if self._in_notebook():
            return self._show_html()
        run, _ = self._rows()
        shown = {}
        print("PipelineRun %s (%s)" % (run.id, run.experiment.name))
        while True:
            status = run.get_status()
            _, rows = self._rows()
            for name, st, _id in rows:
                if shown.get(name) != st:
                    shown[name] = st
                    print("  %-30s %s" % (name, st))
            sys.stdout.flush()
            if status in _FINAL:
                print("PipelineRun %s: %s" % (run.id, status))
                return status
            time.sleep(0.5)

    def _show_html(self):
        from IPython.display import HTML, display  # noqa: PLC0415
        handle = display(HTML(""), display_id=True)
        while True:
            data = self.get_widget_data()
            rows = "".join("<tr><td>%s</td><td>%s</td></tr>" % (c["name"], c["status"]) for c in data["children"])
            handle.update(HTML("<b>PipelineRun %s: %s</b><table>%s</table>" % (data["run_id"], data["status"], rows)))
            if data["status"] in _FINAL:
                return data["status"]
            time.sleep(1)
