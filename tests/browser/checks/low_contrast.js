(minimum) => {
  const parse = (c) => { const m = c.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255, 1]);
  };
  const ratio = (fg, bg) => { const a = lum(fg), b = lum(bg); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode; const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const rect = el.getBoundingClientRect(); const style = getComputedStyle(el);
    if (!rect.width || !rect.height || style.visibility === 'hidden' || el.closest('[hidden], .visually-hidden, .skip-link')) continue;
    const bg = background(el);
    const r = ratio(over(parse(style.color), bg), bg);
    if (r < minimum) failures.push(`${r.toFixed(2)} ${el.tagName}.${el.className}: ${node.textContent.trim().slice(0, 20)}`);
  }
  document.querySelectorAll('input[placeholder]').forEach((el) => {
    if (!el.getBoundingClientRect().width) return;
    const bg = background(el);
    const r = ratio(over(parse(getComputedStyle(el, '::placeholder').color), bg), bg);
    if (r < minimum) failures.push(`${r.toFixed(2)} placeholder of #${el.id}`);
  });
  return failures;
}
