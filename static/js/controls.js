// Controls change the state and nothing else: each handler calls change(mutate, opts), where mutate edits the
// state and opts says how: {push: true} for a committed change (a history entry), {push: false} while a slider is
// being dragged (the URL follows with replaceState), {restart: true} to replay the animation from step 0.
// Every element is made with createElement and filled with textContent: no markup is ever parsed.

import { t, surfaceName, surfaceDescription } from './i18n.js';
import { LIMITS, SPEEDS, boundsOf, effectiveStart, fmtNum } from './state.js';
import { PRESET_NAMES } from './presets.js';
import { RunCards, el, option, setValue, readNumber } from './views/run-cards.js';

// Examples for typed surfaces. None starts on a stationary point: the default start follows the server's rule.
export const EXAMPLES = [
  'x^4 - 2x^2 + y^2',
  'sin(x)*cos(y) + 0.1(x^2 + y^2)',
  '(x^2 + y - 11)^2 + (x + y^2 - 7)^2',
  'abs(x) + 10y^2',
];

const $ = (id) => document.getElementById(id);

export class Controls {
  constructor({ catalog, getState, change, onExpression, onCopy, onReset, onPreset, onPresent, onNote, getWork }) {
    this.catalog = catalog;
    this.getState = getState;
    this.change = change;
    this.onExpression = onExpression;
    this.onCopy = onCopy;
    this.onReset = onReset;
    this.onPreset = onPreset;
    this.onPresent = onPresent;
    this.onNote = onNote ?? (() => {});
    this.getWork = getWork ?? (() => null);
    // The run cards are shared with model mode (views/run-cards.js).
    this.cards = new RunCards({ catalog, getState, change, onNote: this.onNote, container: $('runs') });
    this.bind();
  }

  // ------------------------------------------------------------------------------------------- static parts
  bind() {
    $('surface').addEventListener('change', (e) => {
      const name = e.target.value;
      this.change((s) => {
        s.surface = name;
        s.start = null;
        if (name === 'custom' && !s.expr) s.expr = EXAMPLES[0];
      }, { push: true, restart: true });
    });
    $('preset').addEventListener('change', (e) => this.onPreset(e.target.value));
    $('lang').addEventListener('change', (e) => this.change((s) => { s.lang = e.target.value; }, { push: true }));
    $('reset').addEventListener('click', () => this.onReset());
    $('copy-link').addEventListener('click', () => this.onCopy());
    $('present-toggle').addEventListener('click', () => this.onPresent());
    $('present-exit').addEventListener('click', () => this.onPresent());
    $('aspect').addEventListener('change', (e) => this.change((s) => { s.aspect = e.target.checked ? 'equal' : 'fill'; },
      { push: true }));
    $('budget-fix').addEventListener('click', () => {
      const work = this.getWork();
      if (work?.over) this.change((s) => { s.steps = work.maxSteps; }, { push: true, restart: true });
    });

    $('expr').addEventListener('input', (e) => this.onExpression(e.target.value));
    for (const [id, key, i] of [['xmin', 'xr', 0], ['xmax', 'xr', 1], ['ymin', 'yr', 0], ['ymax', 'yr', 1]]) {
      $(id).addEventListener('change', (e) => {
        const v = readNumber(e.target);
        const s = this.getState();
        const r = [...s[key]];
        if (typeof v === 'number') r[i] = v;
        const { min, max } = LIMITS.coord;
        const ok = typeof v === 'number' && r[0] < r[1] && r.every((e) => e >= min && e <= max);
        $('range-error').hidden = ok;
        if (!ok) return;
        this.change((st) => { st[key] = r; st.start = null; }, { push: true, restart: true });
      });
    }

    const startInput = (i) => (e) => {
      const v = readNumber(e.target);
      const { min, max } = LIMITS.coord;
      if (typeof v !== 'number' || v < min || v > max) {
        if (typeof v === 'number') this.onNote(t('field.clamped', { name: t(i ? 'start.y' : 'start.x'), value: v, min, max, to: '—' }));
        this.render();
        return;
      }
      this.change((s) => {
        const p = [...effectiveStart(s, this.catalog)];
        p[i] = v;
        s.start = p;
      }, { push: true, restart: true });
    };
    $('start-x').addEventListener('change', startInput(0));
    $('start-y').addEventListener('change', startInput(1));

    // Numbers are clamped to the server's limits, and the page says so when it changes what was typed.
    const bounded = (id, label, integer) => $(id).addEventListener('change', (e) => {
      const v = readNumber(e.target);
      if (typeof v !== 'number') { this.render(); return; }
      const { min, max } = boundsOf(id);
      const w = Math.min(max, Math.max(min, integer ? Math.round(v) : v));
      if (w !== v) this.onNote(t('field.clamped', { name: t(label), value: v, min, max, to: w }));
      this.change((s) => { s[id] = w; }, { push: true });
    });
    bounded('steps', 'steps.label', true);
    bounded('noise', 'noise.label', false);
    bounded('seed', 'seed.label', true);
    for (const id of ['view-2d', 'view-3d', 'view-map']) {
      $(id).addEventListener('change', (e) => {
        if (e.target.checked) this.change((s) => { s.view = e.target.value; }, { push: true });
      });
    }
    $('speed').addEventListener('change', (e) => {
      this.change((s) => { s.speed = Number(e.target.value); }, { push: true });
    });
    $('add-run').addEventListener('click', () => this.addRun());
  }

  /** Rebuilds the option lists (after a language change) and the run cards, then syncs every value. */
  rebuild() {
    const s = this.getState();
    const surface = $('surface');
    surface.replaceChildren(
      ...this.catalog.surfaceNames.map((n) => option(n, surfaceName(n, this.catalog.surfaces[n].label), n === s.surface)),
      option('custom', t('surface.custom'), s.surface === 'custom'),
    );
    $('preset').replaceChildren(
      option('', t('preset.none'), !s.preset),
      ...PRESET_NAMES.map((n) => option(n, t(`preset.${n}`), n === s.preset)),
    );
    const speeds = SPEEDS.includes(s.speed) ? SPEEDS : [...SPEEDS, s.speed].sort((a, b) => a - b);
    $('speed').replaceChildren(...speeds.map((v) => option(String(v), t('player.speedUnit', { n: v }), v === s.speed)));
    $('expr-examples').replaceChildren(...EXAMPLES.map((ex) => {
      const b = el('button', { type: 'button', class: 'example mono', text: ex });
      b.addEventListener('click', () => {
        $('expr').value = ex;
        this.onExpression(ex);
      });
      return b;
    }));
    this.setLimits();
    this.cards.invalidate();
    this.render();
  }

  /** The inputs' min, max and maxlength, from GET /api/limits. */
  setLimits() {
    for (const id of ['steps', 'noise', 'seed']) {
      const { min, max } = boundsOf(id);
      $(id).min = String(min);
      $(id).max = String(max);
    }
    for (const id of ['xmin', 'xmax', 'ymin', 'ymax', 'start-x', 'start-y']) {
      $(id).min = String(LIMITS.coord.min);
      $(id).max = String(LIMITS.coord.max);
    }
    $('expr').maxLength = LIMITS.expression.max_length;
  }

  surfaceLabel(name) {
    return surfaceName(name, this.catalog.surfaces[name]?.label ?? name);
  }

  /** Brings every control in line with the state. */
  render() {
    const s = this.getState();
    const c = this.catalog;
    $('surface').value = s.surface;
    $('preset').value = s.preset || '';
    $('lang').value = s.lang || '';
    const info = c.surfaces[s.surface];
    $('surface-description').textContent = s.surface === 'custom'
      ? surfaceDescription('custom') : surfaceDescription(s.surface, info?.description ?? '');
    $('custom-surface').hidden = s.surface !== 'custom';
    setValue($('expr'), s.expr);
    setValue($('xmin'), s.xr[0]);
    setValue($('xmax'), s.xr[1]);
    setValue($('ymin'), s.yr[0]);
    setValue($('ymax'), s.yr[1]);
    const start = effectiveStart(s, c);
    setValue($('start-x'), fmtNum(start[0]));
    setValue($('start-y'), fmtNum(start[1]));
    setValue($('steps'), s.steps);
    setValue($('noise'), fmtNum(s.noise));
    setValue($('seed'), s.seed);
    $('view-2d').checked = s.view === '2d';
    $('view-3d').checked = s.view === '3d';
    $('view-map').checked = s.view === 'map';
    $('aspect').checked = s.aspect === 'equal';
    $('aspect').disabled = s.view !== '2d';
    const work = this.getWork();
    $('steps').setAttribute('aria-invalid', work?.over ? 'true' : 'false');
    $('budget-fix').hidden = !work?.over;
    if (work?.over) $('budget-fix').textContent = t('budget.use', { max: work.maxSteps });
    if (![...$('speed').options].some((o) => Number(o.value) === s.speed)) this.rebuildSpeed();
    $('speed').value = String(s.speed);
    const maxRuns = LIMITS.runs.max;
    $('runs-count').textContent = t('runs.count', { n: s.runs.length, max: maxRuns });
    $('add-run').disabled = s.runs.length >= maxRuns;
    $('add-run').title = s.runs.length >= maxRuns ? t('runs.full', { max: maxRuns }) : '';
    this.renderRuns();
  }

  rebuildSpeed() {
    const s = this.getState();
    const speeds = [...new Set([...SPEEDS, s.speed])].sort((a, b) => a - b);
    $('speed').replaceChildren(...speeds.map((v) => option(String(v), t('player.speedUnit', { n: v }), v === s.speed)));
  }

  // ---------------------------------------------------------------------------------------------- run cards
  renderRuns() {
    this.cards.render();
  }

  addRun() {
    this.cards.addRun();
  }
}
