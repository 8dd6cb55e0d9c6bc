"""The page's stylesheet and its one script, as data for ``assistant.ui``.

The page carries both itself (a ``<style>`` block and a ``gr.HTML`` ``js_on_load``), so it
looks right however it is mounted; ``mount_gradio_app`` would otherwise drop Blocks CSS.
"""

from __future__ import annotations

# Runs once when the clause panel mounts. A click on any citation link anywhere on the page
# (answers, source lists, related clauses) becomes the panel's "click" event with the
# link's "turn:n" key, so the server can find the citation in the session state.
CLICK_JS = """
window.__pqaTrigger = trigger;
if (!window.__pqaCiteListener) {
  window.__pqaCiteListener = true;
  document.addEventListener('click', (event) => {
    const link = event.target && event.target.closest && event.target.closest('[data-pqa-cite]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    document.querySelectorAll('.pqa-cite-active').forEach((el) => el.classList.remove('pqa-cite-active'));
    link.classList.add('pqa-cite-active');
    window.__pqaTrigger('click', {cite: link.getAttribute('data-pqa-cite')});
  }, true);
}
"""

# Runs once when the Targets tab's clause panel mounts: a click (or Enter / Space) on a table
# row or a chart point becomes that panel's "click" event with the element's "r:n" / "c:n"
# key, which names a row the server keeps in the session state (see ui_targets).
TARGETS_JS = """
window.__pqaTargetTrigger = trigger;
if (!window.__pqaTargetListener) {
  window.__pqaTargetListener = true;
  const open = (event) => {
    const row = event.target && event.target.closest && event.target.closest('[data-pqa-target]');
    if (!row) return;
    if (event.type === 'keydown' && event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    document.querySelectorAll('.pqa-target-active').forEach((el) => el.classList.remove('pqa-target-active'));
    row.classList.add('pqa-target-active');
    window.__pqaTargetTrigger('click', {pqa_row: row.getAttribute('data-pqa-target')});
  };
  document.addEventListener('click', open, true);
  document.addEventListener('keydown', open, true);
}
"""

STYLE = """
.pqa-header h1 { margin: 0.2em 0 0; font-size: 1.6rem; }
.pqa-header h1 span { font-weight: 400; opacity: 0.65; font-size: 1.1rem; }
.pqa-header p { margin: 0.2em 0 0.6em; opacity: 0.75; }
.pqa-answer-text { line-height: 1.7; }
.pqa-cursor { opacity: 0.6; animation: pqa-blink 1s steps(2) infinite; }
@keyframes pqa-blink { 50% { opacity: 0; } }
a.pqa-cite { cursor: pointer; text-decoration: none; color: var(--link-text-color, #2563eb); }
a.pqa-cite:hover { text-decoration: underline; }
a.pqa-marker { font-size: 0.8em; vertical-align: super; padding: 0 1px; }
a.pqa-cite-active { background: rgba(250, 204, 21, 0.35); border-radius: 3px; }
.pqa-sources { margin-top: 0.6em; padding-top: 0.4em; border-top: 1px solid var(--border-color-primary, #ddd);
  font-size: 0.9em; }
.pqa-sources-head, .pqa-refusal-head { font-weight: 600; margin-bottom: 0.2em; }
.pqa-source { margin: 0.15em 0; }
.pqa-path { opacity: 0.8; }
.pqa-refusal { border: 1px solid rgba(217, 119, 6, 0.55); border-left: 4px solid #d97706;
  background: rgba(251, 191, 36, 0.14); border-radius: 6px; padding: 0.5em 0.8em; }
.pqa-refusal-head::before { content: "⚠ "; }
.pqa-error { border-left: 4px solid #dc2626; background: rgba(220, 38, 38, 0.1); padding: 0.4em 0.8em;
  border-radius: 6px; }
.pqa-query { margin-top: 0.5em; font-size: 0.85em; opacity: 0.75; font-style: italic; }
.pqa-panel { font-size: 0.95em; line-height: 1.7; }
.pqa-panel-empty { opacity: 0.7; padding: 1em; border: 1px dashed var(--border-color-primary, #ccc);
  border-radius: 8px; }
.pqa-panel-title { font-weight: 600; font-size: 1.05em; }
.pqa-panel-path { margin: 0.2em 0 0.6em; opacity: 0.85; }
.pqa-sep { opacity: 0.5; }
.pqa-clause { padding: 0.5em 0.7em; margin: 0.4em 0; border-radius: 6px;
  border: 1px solid var(--border-color-primary, #e5e7eb); }
.pqa-context { opacity: 0.7; }
.pqa-cited { border: 2px solid #eab308; }
.pqa-clause-path { font-size: 0.8em; opacity: 0.7; margin-bottom: 0.2em; }
.pqa-panel mark { background: rgba(250, 204, 21, 0.45); color: inherit; padding: 0 1px; }
.pqa-panel-doc { font-size: 0.8em; opacity: 0.55; margin-top: 0.4em; }
.pqa-upload ul { margin: 0.3em 0; padding-left: 1em; }
.pqa-ok { color: #15803d; }
.pqa-fail { color: #b91c1c; }
#pqa-style { display: none; }
.pqa-targets-count { margin: 0.2em 0 0.4em; font-size: 0.9em; opacity: 0.85; }
.pqa-targets-note { opacity: 0.75; padding: 0.6em; border: 1px dashed var(--border-color-primary, #ccc);
  border-radius: 8px; }
.pqa-targets-scroll { max-height: 640px; overflow: auto; border: 1px solid var(--border-color-primary, #e5e7eb);
  border-radius: 6px; }
table.pqa-targets { width: 100%; border-collapse: collapse; font-size: 0.84em; line-height: 1.45; margin: 0; }
table.pqa-targets td:first-child { min-width: 8em; }
table.pqa-targets td:nth-child(5) { min-width: 10em; }
table.pqa-targets td:nth-child(6) { min-width: 8em; }
table.pqa-targets th, table.pqa-targets td { border-left: none; border-right: none; }
table.pqa-targets th { position: sticky; top: 0; background: var(--background-fill-secondary, #f3f4f6);
  text-align: left; padding: 0.35em 0.5em; white-space: nowrap; z-index: 1; }
table.pqa-targets td { padding: 0.3em 0.5em; border-top: 1px solid var(--border-color-primary, #eee);
  vertical-align: top; }
table.pqa-targets td.pqa-num { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.pqa-trow { cursor: pointer; }
tr.pqa-trow:hover, tr.pqa-trow:focus { background: rgba(37, 99, 235, 0.08); outline: none; }
tr.pqa-target-active { background: rgba(250, 204, 21, 0.3) !important; }
.pqa-group { font-size: 0.85em; opacity: 0.6; }
.pqa-kind { display: inline-block; padding: 0 0.45em; border-radius: 999px; font-size: 0.85em;
  white-space: nowrap; color: #fff; background: #6b7280; }
.pqa-kind-target { background: #2563eb; }
.pqa-kind-achieved { background: #16a34a; }
.pqa-kind-baseline { background: #d97706; }
.pqa-target-summary { margin-bottom: 0.4em; font-weight: 600; }
.pqa-chart-title { font-weight: 600; }
.pqa-chart-title span { font-weight: 400; opacity: 0.65; font-size: 0.9em; }
.pqa-chart-note { font-size: 0.82em; opacity: 0.75; margin: 0.15em 0 0.3em; }
.pqa-chart-svg { width: 100%; height: auto; display: block; }
.pqa-chart-svg .pqa-axis { stroke: currentColor; stroke-opacity: 0.6; }
.pqa-chart-svg .pqa-grid { stroke: currentColor; stroke-opacity: 0.12; }
.pqa-chart-svg .pqa-tick { fill: currentColor; fill-opacity: 0.75; font-size: 11px; }
.pqa-chart-svg .pqa-pt { cursor: pointer; }
.pqa-chart-svg .pqa-pt > * { stroke: #fff; stroke-width: 1; fill-opacity: 0.9; }
.pqa-chart-svg .pqa-pt:hover > *, .pqa-chart-svg .pqa-target-active > * { stroke: #111; stroke-width: 2; }
.pqa-legend { display: flex; gap: 1em; flex-wrap: wrap; font-size: 0.85em; margin-top: 0.2em; }
.pqa-legend-item { display: inline-flex; align-items: center; gap: 0.3em; }
"""
