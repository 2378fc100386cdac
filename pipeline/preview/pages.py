"""The preview's own HTML, CSS and JavaScript (plain, no build step, no external files)."""

from __future__ import annotations

import json
from html import escape

from ..issue import PSEUDO_LOCALE
from .marks import KINDS
from .session import EditionView, State

PHONE, DESKTOP = 375, 600

_OVERLAY_CSS = """
#nlp-overlay{position:fixed;left:0;right:0;top:0;z-index:2147483646;max-height:70vh;overflow:auto;
 background:#fff3f3;border-bottom:4px solid #d7263d;box-shadow:0 4px 18px rgba(0,0,0,.25);
 font:14px/1.45 system-ui,sans-serif;color:#222;padding:12px 18px}
#nlp-overlay h2{margin:0 0 6px;font-size:16px;color:#a0001a}
#nlp-overlay pre{margin:0;white-space:pre-wrap;font:13px/1.5 ui-monospace,Menlo,Consolas,monospace}
#nlp-overlay p{margin:8px 0 0;color:#555;font-size:12px}
"""

_MARK_CSS = "".join(
    f".nlp-mark.nlp-{kind}{{outline:2px {'dashed' if kind in ('warning', 'glossary') else 'solid'} {colour};"
    f"outline-offset:1px;background:{colour}1f}}"
    f'[data-nlp-kind="{kind}"]{{outline:3px solid {colour};outline-offset:-3px}}'
    f".nlp-dot-{kind}{{background:{colour}}}"
    for kind, (_, colour) in KINDS.items()) + """
.nlp-mark{border-radius:2px;cursor:help;-webkit-box-decoration-break:clone;box-decoration-break:clone}
.nlp-flash{animation:nlpflash 1.2s 2}
@keyframes nlpflash{50%{outline-width:6px}}
#nlp-panel{position:fixed;right:8px;bottom:8px;z-index:2147483645;max-width:min(420px,92vw);max-height:60vh;
 overflow:auto;background:#fff;border:1px solid #999;border-radius:6px;box-shadow:0 2px 10px rgba(0,0,0,.2);
 font:12px/1.4 system-ui,sans-serif;color:#222;text-align:left}
#nlp-panel summary{cursor:pointer;padding:5px 9px;font-weight:600}
#nlp-panel ol{margin:0;padding:0 9px 8px 26px}
#nlp-panel li{margin:3px 0;cursor:pointer}
#nlp-panel .nlp-where{color:#777}
.nlp-dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:4px;vertical-align:baseline}
"""

_EDITION_JS = """
(function(){
  var panel=document.getElementById('nlp-panel');
  if(panel){panel.addEventListener('click',function(e){
    var li=e.target.closest('li[data-seg]'); if(!li) return;
    var all=document.querySelectorAll('[data-seg],[data-nlp-seg]');
    for(var i=0;i<all.length;i++){var el=all[i];
      var ids=(el.getAttribute('data-seg')||el.getAttribute('data-nlp-seg')||'').split(' ');
      if(ids.indexOf(li.getAttribute('data-seg'))>=0 && !el.closest('#nlp-panel')){
        el.scrollIntoView({block:'center'}); el.classList.add('nlp-flash');
        setTimeout(function(){el.classList.remove('nlp-flash');},2500); break;}}
  });}
  if(!window.NLP_LIVE) return;
  var es=new EventSource('/events?since='+encodeURIComponent(window.NLP_TOKEN));
  es.addEventListener('reload',function(){es.close();location.reload();});
})();
"""


def overlay(state: State) -> str:
    if not state.error:
        return '<div id="nlp-overlay" hidden></div>'
    return ('<div id="nlp-overlay" role="alert"><h2>The issue could not be built</h2>'
            f"<pre>{escape(state.error)}</pre>"
            "<p>Fix it and save: the preview rebuilds on its own. "
            + ("Below: the last edition that built." if state.editions else "") + "</p></div>")


def _panel(view: EditionView) -> str:
    if not view.marks:
        return ""
    items = []
    for m in view.marks:
        where = {"attribute": " (in an attribute: image text or link title)", "head": " (subject: not in the page)",
                 "": " (not shown in this edition)"}.get(m.where, "")
        if m.segment == "preheader":
            where = " (preview line: hidden in the page)"
        items.append(f'<li data-seg="{escape(m.segment)}" title="{escape(m.tooltip())}">'
                     f'<span class="nlp-dot nlp-dot-{m.kind}"></span><b>{escape(m.segment)}</b> '
                     f'{escape(KINDS[m.kind][0])}<span class="nlp-where">{escape(where)}</span></li>')
    return (f'<details id="nlp-panel"><summary>{len(view.marks)} segment(s) marked</summary>'
            f'<ol>{"".join(items)}</ol></details>')


def edition_page(state: State, view: EditionView | None, html: str | None, *, embed: bool, marks: bool) -> str:
    """The edition's own HTML with the preview's style, marks list, overlay and reload script."""
    if html is None:   # nothing ever built: only the overlay
        html = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>preview</title></head>"
                "<body></body></html>")
    head = f"<style>{_OVERLAY_CSS}{_MARK_CSS}</style>"
    tail = ""
    if view is not None and marks:
        tail += _panel(view)
    if not embed:
        tail += overlay(state)
    tail += (f"<script>window.NLP_TOKEN={json.dumps(state.token)};window.NLP_LIVE={'false' if embed else 'true'};"
             f"{_EDITION_JS}</script>")
    return _insert(_insert(html, "</head>", head), "</body>", tail)


def _insert(html: str, before: str, text: str) -> str:
    at = html.lower().rfind(before)
    return html[:at] + text + html[at:] if at >= 0 else html + text


# --- the overview ----------------------------------------------------------------------------

_OVERVIEW_CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#222;background:#e9ebef}
header{position:sticky;top:0;z-index:10;background:#fff;border-bottom:1px solid #ccc;padding:8px 14px;
 display:flex;flex-wrap:wrap;gap:8px 18px;align-items:center}
header h1{font-size:16px;margin:0}
.controls{display:flex;gap:6px;align-items:center;flex-wrap:wrap}
.controls button{font:inherit;padding:3px 9px;border:1px solid #888;border-radius:4px;background:#f6f6f6;cursor:pointer}
.controls button[aria-pressed=true]{background:#114477;color:#fff;border-color:#114477}
.legend{font-size:12px;color:#444}
.legend span{margin-right:9px;white-space:nowrap}
.nlp-dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:3px}
main{display:flex;gap:14px;align-items:flex-start;overflow-x:auto;padding:14px}
.edition{flex:none;background:#fff;border:1px solid #ccc;border-radius:6px;padding:8px}
.edition[hidden]{display:none}
.edition h2{font-size:14px;margin:0 0 4px;display:flex;gap:8px;align-items:baseline}
.edition h2 a{color:#114477}
.edition h2 small{font-weight:normal;color:#666}
.status{font-size:12px;min-height:2.8em;margin-bottom:6px}
.status .n{display:inline-block;margin:1px 6px 1px 0;white-space:nowrap}
.status .zero{color:#999}
.status .ok{color:#178a3a;font-weight:600}
iframe{display:block;border:1px solid #ddd;background:#fff;height:900px}
body > #nlp-overlay{position:sticky;top:var(--nlp-header,48px);max-height:40vh}
"""

_OVERVIEW_JS = """
(function(){
  var KEY='nlp-preview', prefs={};
  try{prefs=JSON.parse(localStorage.getItem(KEY)||'{}')}catch(e){}
  var token=document.body.getAttribute('data-token');
  function save(){try{localStorage.setItem(KEY,JSON.stringify(prefs))}catch(e){}}
  function frames(){return Array.prototype.slice.call(document.querySelectorAll('.edition iframe'));}
  function fit(f){try{var d=f.contentDocument; if(!d||!d.documentElement) return;
    f.style.height='200px'; f.style.height=Math.max(200,d.documentElement.scrollHeight)+'px';}catch(e){}}
  function src(f){return '/edition/'+f.getAttribute('data-lang')+'?embed=1'+(prefs.marks===false?'&marks=0':'');}
  function apply(){
    var w=prefs.width||""" + str(PHONE) + """;
    document.querySelectorAll('[data-width]').forEach(function(b){
      b.setAttribute('aria-pressed',String(+b.getAttribute('data-width')===w));});
    var pseudo=document.getElementById('nlp-pseudo'); pseudo.checked=!!prefs.pseudo;
    var marks=document.getElementById('nlp-marks'); marks.checked=prefs.marks!==false;
    document.querySelectorAll('.edition').forEach(function(s){
      var f=s.querySelector('iframe'), show=!s.hasAttribute('data-pseudo')||!!prefs.pseudo;
      s.hidden=!show; f.style.width=w+'px';
      if(show && f.getAttribute('src')!==src(f)) f.setAttribute('src',src(f)); else setTimeout(function(){fit(f)},30);
    });
  }
  document.querySelectorAll('[data-width]').forEach(function(b){b.addEventListener('click',function(){
    prefs.width=+b.getAttribute('data-width'); save(); apply();});});
  document.getElementById('nlp-pseudo').addEventListener('change',function(e){
    prefs.pseudo=e.target.checked;save();apply();});
  document.getElementById('nlp-marks').addEventListener('change',function(e){
    prefs.marks=e.target.checked;save();apply();});
  frames().forEach(function(f){f.addEventListener('load',function(){fit(f)});});
  apply();
  function langs(doc){return Array.prototype.map.call(doc.querySelectorAll('.edition'),
    function(s){return s.getAttribute('data-lang')}).join(' ');}
  function refresh(){
    fetch('/',{cache:'no-store'}).then(function(r){return r.text()}).then(function(text){
      var doc=new DOMParser().parseFromString(text,'text/html');
      if(langs(doc)!==langs(document)){location.reload();return;}
      document.getElementById('nlp-overlay').outerHTML=doc.getElementById('nlp-overlay').outerHTML;
      document.querySelectorAll('.status').forEach(function(s){
        var other=doc.getElementById(s.id); if(other) s.innerHTML=other.innerHTML;});
      token=doc.body.getAttribute('data-token'); document.body.setAttribute('data-token',token);
      frames().forEach(function(f){ if(!f.closest('.edition').hidden){
        try{f.contentWindow.location.reload()}catch(e){f.setAttribute('src',src(f))}}});
      connect();
    }).catch(function(){setTimeout(refresh,500)});
  }
  var es=null;
  function connect(){ if(es) es.close();
    es=new EventSource('/events?since='+encodeURIComponent(token));
    es.addEventListener('reload',function(){es.close();es=null;refresh();});}
  connect();
})();
"""


def _count(n: int, label: str, kind: str | None) -> str:
    dot = f'<span class="nlp-dot nlp-dot-{kind}"></span>' if kind and n else ""
    return f'<span class="n{" zero" if not n else ""}" data-count="{label}">{dot}{n} {label}</span>'


def status_html(view: EditionView) -> str:
    if view.is_source:
        return '<span class="n">source text (English)</span>'
    if view.lang == PSEUDO_LOCALE:
        return (f'<span class="n">layout check: accented, ~35 % longer text; {view.live_pseudo} segment(s) '
                f'pseudo-translated live (not in {PSEUDO_LOCALE}.po)</span>')
    c = view.counts
    parts = [_count(c["untranslated"], "untranslated", "missing"), _count(c["outdated"], "outdated", "outdated"),
             _count(c["fuzzy"], "fuzzy", "fuzzy"), _count(c["errors"], "check errors", "error"),
             _count(c["warnings"], "check warnings", "warning"), _count(c["glossary"], "glossary", "glossary")]
    if not any(c[k] for k in ("untranslated", "outdated", "fuzzy", "errors", "warnings", "glossary")):
        parts.insert(0, '<span class="n ok">complete</span>')
    return "".join(parts)


def overview_page(state: State) -> str:
    sections = []
    for lang in state.languages:
        view = state.editions[lang]
        pseudo = lang == PSEUDO_LOCALE
        first_src = "" if pseudo else f' src="/edition/{escape(lang)}?embed=1"'   # the JS sets it for qps-ploc
        sections.append(
            f'<section class="edition" data-lang="{escape(lang)}"{" data-pseudo hidden" if pseudo else ""}>'
            f'<h2><a href="/edition/{escape(lang)}" target="_blank">{escape(view.name)}</a><small>{escape(lang)}'
            f'{" (source)" if view.is_source else ""}</small>'
            f'<small><a href="/edition/{escape(lang)}?marks=0" target="_blank">clean</a></small></h2>'
            f'<div class="status" id="status-{escape(lang)}" title="{escape(view.status.summary())}">'
            f'{status_html(view)}</div>'
            f'<iframe data-lang="{escape(lang)}" title="{escape(view.name)} edition" width="{PHONE}"'
            f'{first_src}></iframe></section>')
    legend = "".join(f'<span><span class="nlp-dot nlp-dot-{k}"></span>{escape(label.split(":")[0])}</span>'
                     for k, (label, _) in KINDS.items())
    title = f"{state.issue_id}: preview"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_OVERVIEW_CSS}{_OVERLAY_CSS}{_MARK_CSS}</style></head>"
        f'<body data-token="{escape(state.token)}">'
        f"<header><h1>{escape(state.issue_id)}</h1>"
        '<div class="controls">'
        f'<button type="button" data-width="{PHONE}" aria-pressed="true">Phone {PHONE} px</button>'
        f'<button type="button" data-width="{DESKTOP}" aria-pressed="false">Desktop {DESKTOP} px</button>'
        f'<label><input type="checkbox" id="nlp-pseudo"> pseudo edition ({PSEUDO_LOCALE})</label>'
        f'<a href="/edition/{PSEUDO_LOCALE}" target="_blank">open {PSEUDO_LOCALE}</a>'
        '<label><input type="checkbox" id="nlp-marks" checked> marks</label></div>'
        f'<div class="legend">{legend}</div></header>'
        f"{overlay(state)}"
        f'<main>{"".join(sections)}</main>'
        f"<script>{_OVERVIEW_JS}</script></body></html>")


__all__ = ["overview_page", "edition_page", "overlay", "status_html", "PHONE", "DESKTOP"]
