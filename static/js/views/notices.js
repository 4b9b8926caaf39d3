// Notices (what the page changed in a link, and why), the status line under the player, and the "copied" line.
// All text goes in with textContent: values from a URL are shown, never parsed.

import { t } from '../i18n.js';

const $ = (id) => document.getElementById(id);
const SHOWN_CHARS = 80;
const NOTE_MS = 12_000;

function short(v) {
  const s = String(v ?? '');
  return s.length > SHOWN_CHARS ? `${s.slice(0, SHOWN_CHARS)}…` : s;
}

/** One notice in words: what the link said, what the page uses instead, and why. */
export function noticeText(n) {
  const vars = { key: n.key, value: short(n.value), to: short(n.to), min: n.min, max: n.max };
  switch (n.why) {
    case 'range': return t('notice.range', vars);
    case 'integer': return t('notice.integer', vars);
    case 'tooMany': return t('notice.tooMany', vars);
    case 'unknown': return t('notice.unknown', vars);
    case 'refused': return t('notice.refused', vars);
    case 'invalid': return n.to === undefined || n.to === '' ? t('notice.ignored', vars) : t('notice.invalid', vars);
    default: return t('notice.ignored', vars);
  }
}

export class Notices {
  constructor() {
    this.items = [];
    $('notice-dismiss').addEventListener('click', () => { $('notices').hidden = true; });
  }

  show(items) {
    this.items = items;
    const list = $('notice-list');
    const seen = new Set();
    const lis = [];
    for (const n of items) {
      const text = noticeText(n);
      if (seen.has(text)) continue;
      seen.add(text);
      const li = document.createElement('li');
      li.textContent = text;
      lis.push(li);
    }
    list.replaceChildren(...lis);
    $('notices').hidden = lis.length === 0;
  }

  add(item) {
    this.show([...this.items, item]);
  }

  /** Words again after a language change. */
  rerender() {
    if (!$('notices').hidden) this.show(this.items);
  }
}

export function setStatus(text, isError = false) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', isError);
}

/** A note about a value the page changed as it was typed (clamped to a limit); it stays a while. */
export function showNote(text) {
  const n = $('note');
  n.textContent = text;
  n.hidden = false;
  clearTimeout(showNote.timer);
  showNote.timer = setTimeout(() => { n.hidden = true; }, NOTE_MS);
}

/** Copies text to the clipboard, or shows it in a field to copy by hand; `done` is the message on success. */
export async function copyText(text, done) {
  const status = $('copy-status');
  // Shown only once it says something: an empty or stale line while the clipboard answers
  // would read as the result.
  try {
    await navigator.clipboard.writeText(text);
    status.replaceChildren(done);
  } catch {
    const input = document.createElement(text.includes('\n') ? 'textarea' : 'input');
    if (input.tagName === 'INPUT') input.type = 'text';
    input.readOnly = true;
    input.value = text;
    input.className = 'copy-fallback';
    input.setAttribute('aria-label', t('copy.manual'));
    status.replaceChildren(`${t('copy.manual')} `, input);
    status.hidden = false; // before focus: a hidden field takes no focus or selection
    input.focus();
    input.select();
    try { document.execCommand('copy'); } catch { /* the field is there to copy by hand */ }
  }
  status.hidden = false;
  clearTimeout(copyText.timer);
  copyText.timer = setTimeout(() => { status.hidden = true; }, 8000);
}
