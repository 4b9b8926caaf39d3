// The one element builder of the page's views: text only (never markup), so nothing from a URL or a user can
// become HTML. Props: class, text, dataset, a DOM property for a non-string value (checked, min, selected...),
// else an attribute; undefined and null are left out.

export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}
