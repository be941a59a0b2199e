() => {
  const text = (el) => (el ? el.textContent.replace(/\s+/g, '') : '');
  const named = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    if (ids.some((id) => text(document.getElementById(id)))) return true;
    if (el.id && Array.from(document.querySelectorAll('label[for="' + CSS.escape(el.id) + '"]')).some((l) => text(l))) return true;
    if (el.closest('label') && text(el.closest('label'))) return true;
    if ((el.getAttribute('title') || '').trim()) return true;
    if (el.tagName === 'BUTTON' && text(el)) return true;
    return false;
  };
  return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button, [role=tab]'))
    .filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 120));
}
