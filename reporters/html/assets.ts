// Written by scripts/inline-assets.ts from reporters/html/assets/; edit those files, then run it.

/** reporters/html/assets/drift.css */
export const DRIFT_CSS: string = `.b.added{background:var(--passed)}.b.removed{background:var(--failed)}.b.changed{background:var(--error)}
.b.no-drift{background:var(--passed)}.b.drift{background:var(--failed)}.b.incomplete{background:var(--error)}
.t-added b{color:var(--passed)}.t-removed b{color:var(--failed)}.t-changed b{color:var(--error)}
.warnings{margin:0 0 12px;padding-left:22px;color:var(--error)}
.attrs{width:auto;margin-top:4px}
.attrs th,.attrs td{border:0;padding:1px 10px 1px 0;font-weight:400}
.attrs th{color:var(--muted);font-size:12.5px;white-space:nowrap}
.attrs .old{color:var(--failed);overflow-wrap:anywhere}.attrs .new{color:var(--passed);overflow-wrap:anywhere}
.arrow{color:var(--muted)}
.dec{font-size:12px;margin-left:8px;border-radius:10px;padding:0 8px;border:1px solid var(--line)}
.d-block{color:var(--failed);border-color:var(--failed)}.d-allow{color:var(--passed);border-color:var(--passed)}.d-accepted{color:var(--muted)}
.check[data-decision=accepted]{opacity:.75}
`;

/** reporters/html/assets/report.css */
export const REPORT_CSS: string = `:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--failed:#cf222e;--error:#9a6700;--skipped:#6e7781;--passed:#1a7f37;--failed-bg:#ffebe9;--error-bg:#fff8c5;--passed-bg:#dafbe1}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#161b22;--line:#30363d;--failed:#f85149;--error:#d29922;--skipped:#8d96a0;--passed:#3fb950;--failed-bg:#3c1618;--error-bg:#3b2e0a;--passed-bg:#12261e}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:17px;margin:28px 0 8px}
h3{font-size:14px;margin:0}
a{color:inherit}
.mono,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
pre{margin:2px 0 0;padding:6px 9px;background:var(--panel);border:1px solid var(--line);border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:22em;overflow:auto}
.muted{color:var(--muted)}
.label{display:block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.specs{margin:0 0 10px}
.verdict{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 14px;border-radius:8px;padding:12px 16px;margin:10px 0 14px;border-left:6px solid;font-size:17px}
.verdict .label{display:inline}
.verdict.ok{background:var(--passed-bg);border-color:var(--passed)}
.verdict.fail{background:var(--failed-bg);border-color:var(--failed)}
.verdict.warn{background:var(--error-bg);border-color:var(--error)}
.verdict .exit{font-size:13px;color:var(--muted)}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:8px}
.tile{border:1px solid var(--line);border-radius:8px;padding:6px 14px;min-width:110px;color:var(--muted)}
.tile b{display:block;font-size:22px;color:var(--fg)}
.t-failed b,.c-failed{color:var(--failed)}.t-error b,.c-error{color:var(--error)}.t-passed b,.c-passed{color:var(--passed)}.c-skipped{color:var(--skipped)}
.c-failed,.c-error{font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.hosts td:first-child{overflow-wrap:break-word}
.reasons{margin:0 0 12px;padding-left:22px}
.more>summary{margin:6px 0;color:var(--muted)}
tr.reason td{border-top:0;padding-top:0;color:var(--error)}
.b{display:inline-block;min-width:74px;text-align:center;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;line-height:18px;color:#fff;background:var(--skipped)}
.b.failed{background:var(--failed)}.b.error,.b.unreachable{background:var(--error)}.b.passed,.b.completed{background:var(--passed)}
.b.waived{background:#8250df}.waiver{color:#8250df}.warnings{margin:0 0 12px;padding-left:22px;color:var(--error)}
.filters{position:sticky;top:0;z-index:1;display:flex;flex-wrap:wrap;align-items:center;gap:6px 14px;margin:24px 0 0;padding:8px 12px;background:var(--panel);border:1px solid var(--line);border-radius:8px}
.filters .label{display:inline}
.filters label{cursor:pointer;white-space:nowrap}
.filters .count{color:var(--muted)}
.filters input[type=search]{flex:1;min-width:200px;padding:4px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
.host{margin-top:8px}
.host>h2{border-bottom:2px solid var(--line);padding-bottom:4px;margin-bottom:2px}
.host>h2 .b{vertical-align:2px}
.reason{color:var(--error)}
.group{border:1px solid var(--line);border-radius:8px;margin:12px 0;overflow:hidden}
.gh{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px;padding:8px 12px;background:var(--panel)}
.gh h3{flex:1;min-width:16em}
.tally{display:flex;gap:10px;font-size:12px}
.impact{font-size:12px;border:1px solid var(--line);border-radius:10px;padding:0 8px;background:var(--bg)}
.i-critical,.i-high{border-color:var(--failed);color:var(--failed)}.i-medium{border-color:var(--error);color:var(--error)}
.tags{padding:0 12px 6px;background:var(--panel)}
.tag{display:inline-block;font-size:12px;margin:2px 6px 0 0;padding:0 6px;border-radius:4px;background:var(--bg);border:1px solid var(--line)}
.desc{margin:0;padding:0 12px 8px;background:var(--panel)}
.group>.muted{margin:0;padding:0 12px 6px;background:var(--panel)}
.checks{list-style:none;margin:0;padding:0}
.check{display:flex;gap:10px;align-items:flex-start;padding:6px 12px;border-top:1px solid var(--line)}
.check>.b{flex:none;margin-top:1px}
.cb{flex:1;min-width:0;overflow-wrap:anywhere}
.check[data-status=failed] .t,.check[data-status=error] .t{font-weight:600}
.m{margin-top:2px}
.ev{font-size:12px;margin-left:8px;font-weight:400;white-space:nowrap}
.ea{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin-top:6px}
@media (max-width:700px){.ea{grid-template-columns:1fr}}
details>summary{cursor:pointer}
.notrun>summary{padding:8px 12px;background:var(--panel)}
.evlist{margin:12px 0}
.evlist>summary{font-weight:600}
.evd{margin:6px 0 0 16px}
.evb{padding:4px 0 8px}
.evb>.label{margin-top:4px}
.check .evd{margin:8px 0 0}
.trunc{margin:6px 0 0;color:var(--error)}
@media print{.filters{display:none}.group{break-inside:avoid}}
`;

/** reporters/html/assets/report.js */
export const REPORT_JS: string = `(function () {
  var bar = document.getElementById('filters');
  var search = document.getElementById('search');
  var shown = document.getElementById('shown');
  var checks = Array.prototype.slice.call(document.querySelectorAll('.check'));
  function context(el, selector, heading) {
    var outer = el.closest(selector);
    var head = outer && outer.querySelector(heading);
    return head ? head.textContent + ' ' : '';
  }
  // A check matches the text filter by its own text, its control's header or its host's name.
  var texts = checks.map(function (el) {
    return (context(el, '.host', 'h2') + context(el, '.group', '.gh') + el.textContent).toLowerCase();
  });
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  function apply() {
    var wanted = {};
    each('#filters input[type=checkbox]', function (box) { wanted[box.value] = box.checked; });
    var query = search.value.trim().toLowerCase();
    var visible = 0;
    checks.forEach(function (el, i) {
      var show = wanted[el.getAttribute('data-status')] && (!query || texts[i].indexOf(query) !== -1);
      el.hidden = !show;
      if (show) visible++;
    });
    each('.group', function (group) { group.hidden = !group.querySelector('.check:not([hidden])'); });
    each('.host', function (host) {
      var none = !host.querySelector('.check:not([hidden])');
      var note = host.querySelector('.nomatch');
      if (note) note.hidden = !none;
    });
    shown.textContent = 'showing ' + visible + ' of ' + checks.length + ' checks';
  }
  bar.addEventListener('change', apply);
  search.addEventListener('input', apply);
  bar.hidden = false;
  apply();
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a.ev');
    if (!link) return;
    var body = document.getElementById(link.getAttribute('href').slice(1));
    var source = body && body.closest('details');
    if (!source) return;
    event.preventDefault();
    var item = link.closest('.cb');
    var open = item.querySelector(':scope > details.evd');
    if (open) { open.remove(); link.setAttribute('aria-expanded', 'false'); return; }
    var copy = source.cloneNode(true);
    copy.querySelector('.evb').removeAttribute('id');
    copy.open = true;
    item.appendChild(copy);
    link.setAttribute('aria-expanded', 'true');
  });
})();
`;
