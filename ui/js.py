"""Browser code run by ``gr.HTML(js_on_load=...)``: a click on a ``#rag/<action>/<args>`` link
(see ``ui.render.href``) becomes the panel's Gradio ``click`` event with ``{action, args}`` as
event data. Nothing here reads document text; the markup was escaped on the server."""

from __future__ import annotations

_DELEGATE = """
function ragLinkData(a) {
  const parts = a.getAttribute('href').slice(5).split('/').map(decodeURIComponent);
  return {action: parts[0], args: parts.slice(1)};
}
element.addEventListener('click', (event) => {
  const a = event.target.closest('a[href^="#rag/"]');
  if (!a || !element.contains(a)) return;
  event.preventDefault();
  trigger('click', ragLinkData(a));
});
"""

#: Panels whose links open something (document list, section tree).
PANEL_JS = _DELEGATE

#: The citations panel also receives clicks on the [n] markers inside the chat (#answer), whose
#: sanitized markup cannot carry event handlers.
CITATIONS_JS = (
    _DELEGATE
    + """
window.ragCiteTrigger = trigger;
if (!window.ragCiteBound) {
  window.ragCiteBound = true;
  document.addEventListener('click', (event) => {
    const a = event.target.closest('#answer a[href^="#rag/"]');
    if (!a) return;
    event.preventDefault();
    window.ragCiteTrigger('click', ragLinkData(a));
  });
}
"""
)

#: Section views: links open ancestors; after each update the highlighted quote is scrolled into
#: view inside the text box (not the page).
SECTION_JS = (
    _DELEGATE
    + """
watch('value', () => {
  const box = element.querySelector('.rag-text');
  const mark = element.querySelector('.rag-text mark');
  if (box && mark) box.scrollTop = Math.max(0, mark.offsetTop - box.offsetTop - 40);
});
"""
)
