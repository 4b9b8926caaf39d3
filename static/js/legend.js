// The results list: per run its line style and head marker, name, loss now (live while the animation plays) or
// final loss, distance to the nearest known minimum and where it diverged. Each entry is a toggle button that
// hides or shows the run. Everything is made with createElement and textContent.

import { t, fmt, getLang } from './i18n.js';
import { statusAt, statusMessage } from './views/status-words.js';
import './views/inspector-words.js';

const DASH_SVG = {
  solid: '', dash: '9 5', dot: '2.5 3.5', dashdot: '9 3 2.5 3', longdash: '16 5', longdashdot: '16 4 2.5 4',
};
const NS = 'http://www.w3.org/2000/svg';

/** A small line in the run's colour and dash pattern. */
export function swatch(color, dash, title) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 36 10');
  svg.setAttribute('width', '36');
  svg.setAttribute('height', '10');
  svg.setAttribute('class', 'swatch');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  const line = document.createElementNS(NS, 'line');
  line.setAttribute('x1', '1');
  line.setAttribute('x2', '35');
  line.setAttribute('y1', '5');
  line.setAttribute('y2', '5');
  line.setAttribute('stroke', color);
  line.setAttribute('stroke-width', '3');
  if (DASH_SVG[dash]) line.setAttribute('stroke-dasharray', DASH_SVG[dash]);
  svg.append(line);
  return svg;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * "N evaluations in M steps" for an L-BFGS run: evals[0] belongs to the start point, not to a step. Once the run
 * has converged, torch's step() still evaluates the start of each step and then returns without moving: those
 * steps are not counted, and the note says from which step the run stood still.
 */
export function evalsNote(evals, x, y) {
  let last = evals.length - 1;
  while (last > 0 && x[last] === x[last - 1] && y[last] === y[last - 1]) last--;
  let n = 0;
  for (let i = 0; i <= last; i++) n += evals[i] ? evals[i].length : 0;
  const m = last;
  const note = m !== 1 ? t('legend.evals', { n, m })
    : t(n === 1 ? 'legend.evalOneStep' : 'legend.evalsOneStep', { n });
  return last < evals.length - 1 ? t('legend.still', { note, k: last }) : note;
}

function facts(p, k, minima, pending) {
  if (pending || !p.n) return [t('legend.pending')];
  const i = Math.min(k, p.n - 1);
  const parts = [t(i === p.n - 1 ? 'legend.final' : 'legend.now', { v: fmt(p.loss[i]) })];
  if (minima.length) {
    const d = Math.min(...minima.map((m) => Math.hypot(p.x[i] - m[0], p.y[i] - m[1])));
    parts.push(t('legend.dist', { v: fmt(d, 3) }));
  } else {
    parts.push(t('legend.noMin'));
  }
  return parts;
}

export class Legend {
  constructor(list, { onToggle, onInspect } = {}) {
    this.list = list;
    this.onToggle = onToggle;
    this.onInspect = onInspect; // opens the inspector on a run
    this.items = [];
  }

  /** live: loss and distance follow the animation (present mode); otherwise the final ones are shown. */
  render(paths, minima, { pending = false, step = Infinity, live = false } = {}) {
    this.paths = paths;
    this.live = live;
    this.minima = minima;
    this.pending = pending;
    this.list.replaceChildren();
    this.items = paths.map((p) => {
      const li = el('li', 'legend-item');
      const btn = el('button', 'legend-toggle');
      btn.type = 'button';
      btn.setAttribute('aria-pressed', p.hidden ? 'false' : 'true');
      btn.addEventListener('click', () => this.onToggle?.(p.index));
      btn.append(swatch(p.color, p.dash, t('legend.swatch', { name: p.name })));
      btn.append(el('span', 'legend-name', p.name));
      if (p.hidden) btn.append(el('span', 'legend-hidden', t('legend.hidden')));
      li.append(btn);
      const line = el('p', 'legend-facts');
      li.append(line);
      if (!pending && p.evals) li.append(el('p', 'legend-facts legend-evals', evalsNote(p.evals, p.x, p.y)));
      // The status at the current step while the run plays, and why it ended once it has (status_detail).
      const now = el('p', 'legend-now');
      const outcome = el('p', 'legend-outcome');
      li.append(now, outcome);
      if (this.onInspect) {
        const inspect = el('button', 'btn small legend-inspect', t('inspect.open'));
        inspect.type = 'button';
        inspect.title = t('legend.inspect');
        inspect.setAttribute('aria-label', `${t('legend.inspect')}: ${p.name}`);
        inspect.addEventListener('click', () => this.onInspect(p.index));
        li.append(inspect);
      }
      this.list.append(li);
      return { p, line, now, outcome };
    });
    this.showStep(step);
    this.showNow(step);
  }

  /** The "now" line at player step k (status words, loss, position) and, once the run has ended, its outcome. */
  showNow(k) {
    const lang = getLang();
    for (const { p, now, outcome } of this.items ?? []) {
      const ended = this.pending ? false : k >= p.n - 1;
      const i = Math.min(k, p.n - 1);
      const status = this.pending || !p.statusSteps ? null : statusAt(p.statusSteps, i, lang);
      now.hidden = ended || !status || !p.n;
      if (!now.hidden) {
        now.textContent = t('legend.statusNow', { words: `${t('inspect.step', { k: i })} · ${status.text} · `
          + `${t('legend.now', { v: fmt(p.loss[i]) })} · (${fmt(p.x[i])}, ${fmt(p.y[i])})` });
      }
      outcome.hidden = !ended || !p.runStatus;
      if (!outcome.hidden) outcome.textContent = statusMessage(p.runStatus, lang);
      outcome.classList.toggle('diverged', p.runStatus?.code === 'diverged');
    }
  }

  /** Loss and distance at step k ("now"), or the final ones once a run has ended. */
  showStep(step) {
    const k = this.live ? step : Infinity;
    for (const { p, line } of this.items) {
      line.replaceChildren(facts(p, k, this.minima, this.pending).join(' · '));
      if (!this.pending && p.divergedAt !== null && p.n && k >= p.n - 1) {
        line.append(' · ', el('strong', 'legend-diverged', t('legend.diverged', { k: p.divergedAt })));
      }
    }
  }
}
