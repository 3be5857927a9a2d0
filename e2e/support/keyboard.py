"""Moving through a page with the keyboard alone: Tab until the wanted control has focus."""

FOCUSED_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  let name = el.getAttribute('aria-label') || '';
  if (!name && el.labels && el.labels.length) name = el.labels[0].textContent;
  if (!name) name = el.textContent || el.value || '';
  const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), type: el.type || '', id: el.id,
          name: name.replace(/\\s+/g, ' ').trim(), visible: r.width > 0 && r.height > 0};
}
"""


def focused(page):
    return page.evaluate(FOCUSED_JS)


def tab_to(page, name, *, tag=None, limit=150, backwards=False):
    """Press Tab (or Shift+Tab) until a control whose name starts with ``name`` has focus.

    Every control passed on the way is recorded; the one found is returned.
    """
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        element = focused(page)
        if element is None:
            continue
        seen.append(element["name"][:40])
        if element["name"].startswith(name) and (tag is None or element["tag"] == tag):
            return element
    raise AssertionError(f"Tab never reached {name!r}; focus passed through: {seen}")


def type_text(page, text):
    page.keyboard.type(text, delay=0)
