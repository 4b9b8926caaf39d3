// Live feedback under the typed formula: "Checking…", then the formula as the server read it, or the error with
// a caret under its position. It asks POST /api/expressions/check and calls onValid(text, answer) for a formula
// the server accepts.

import * as api from '../api.js';
import { t } from '../i18n.js';
import { formulaNode } from '../formula.js';
import { errorWords } from '../errors.js';

const CHECK_MS = 250; // check a typed formula this long after the last keystroke
const $ = (id) => document.getElementById(id);

export class FormulaFeedback {
  constructor({ onValid, onChecked, getDomain } = {}) {
    this.onValid = onValid;
    this.onChecked = onChecked; // every accepted answer: its default start and cost for the current ranges
    this.getDomain = getDomain;
    this.timer = 0;
    this.abort = null;
  }

  check(text, { immediate = false, apply = true } = {}) {
    clearTimeout(this.timer);
    const box = $('expr-feedback');
    box.replaceChildren(t('expr.checking'));
    box.className = 'expr-feedback pending';
    this.timer = setTimeout(async () => {
      this.abort?.abort();
      const abort = new AbortController();
      this.abort = abort;
      try {
        const res = await api.checkExpression(text, abort.signal, this.getDomain?.() ?? null);
        if (abort.signal.aborted) return;
        this.show(text, res);
        if (res.ok) this.onChecked?.(text, res);
        if (res.ok && apply) this.onValid?.(text, res);
      } catch (err) {
        if (err.name === 'AbortError') return;
        box.className = 'expr-feedback error';
        box.replaceChildren(t('status.network', { msg: errorWords(err) }));
      }
    }, immediate ? 0 : CHECK_MS);
  }

  show(text, res) {
    const box = $('expr-feedback');
    if (res.ok) {
      box.className = 'expr-feedback ok';
      $('expr').setAttribute('aria-invalid', 'false');
      const latex = res.latex ?? '';
      if (!latex.trim()) { // nothing to show as a formula: say it is fine, without an empty "Read as:"
        box.replaceChildren(t('expr.fine'));
        return;
      }
      const label = document.createElement('span');
      label.className = 'hint';
      label.textContent = `${t('expr.ok')} `;
      box.replaceChildren(label, formulaNode(latex));
      return;
    }
    const problem = res.error ?? {};
    const position = problem.position ?? null;
    box.className = 'expr-feedback error';
    $('expr').setAttribute('aria-invalid', 'true');
    const msg = document.createElement('p');
    // The position is said once, by the catalog; the server's message may carry it too ("at 3"), so its
    // worded form (from its code) is preferred.
    const words = errorWords({ detail: [{ ...problem, msg: problem.message }] }, { withPosition: false });
    msg.textContent = position === null ? t('expr.errorNoPos', { msg: words })
      : t('expr.error', { pos: position, msg: words });
    const parts = [msg];
    if (position !== null && position >= 0) {
      const pre = document.createElement('pre'); // the text with a caret under the offending character
      pre.className = 'caret mono';
      pre.setAttribute('aria-hidden', 'true');
      const at = Math.min(position, text.length);
      pre.textContent = `${text}\n${' '.repeat(at)}^`;
      parts.push(pre);
    }
    box.replaceChildren(...parts);
  }
}
