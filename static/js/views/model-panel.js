// Model mode's panel: the settings on the left, the figures on the right. Built with createElement and
// textContent only (nothing from a URL or a user reaches innerHTML); the words come from the catalog through
// data-i18n, filled by translate() on each render.

export function node(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'i18n') e.dataset.i18n = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.appendChild(c);
  return e;
}

export function field(labelKey, input) {
  return node('div', { class: 'field' }, [node('label', { for: input.id, i18n: labelKey }), input]);
}

export function select(id, values, labelOf) {
  const s = node('select', { id });
  for (const v of values) s.appendChild(node('option', { value: v, text: labelOf(v) }));
  return s;
}

function radio(name, value, id, labelKey) {
  const input = node('input', { type: 'radio', name, value, id });
  return node('span', { class: 'check' }, [input, node('label', { for: id, i18n: labelKey })]);
}

/** Builds the panel into document.body and returns its elements by name. */
export function buildPanel(models, presetNames) {
  const el = {};
  const root = node('section', { id: 'model-mode', class: 'model-mode' });
  const head = node('div', { class: 'model-head' }, [
    node('h2', { i18n: 'model.title' }), node('p', { class: 'tagline', i18n: 'model.tagline' }),
    el.back = node('a', { href: '?', class: 'btn', i18n: 'model.back' })]);
  el.preset = select('model-preset', ['', ...presetNames], () => '');
  el.caption = node('p', { class: 'preset-caption', id: 'model-caption' });
  el.lang = select('model-lang', ['', 'en', 'zh'], (v) => ({ '': 'Auto', en: 'English', zh: '简体中文' })[v]);
  el.model = select('model-model', models.models.map((m) => m.name), (v) => v);
  el.hidden = node('input', { id: 'model-hidden', type: 'text', inputmode: 'numeric' });
  el.activation = select('model-activation', ['tanh', 'relu'], (v) => v);
  el.data = select('model-data', models.datasets.map((d) => d.name), (v) => v);
  el.n = node('input', { id: 'model-n', type: 'number', step: '1' });
  el.noise = node('input', { id: 'model-noise', type: 'number', step: '0.01' });
  el.dseed = node('input', { id: 'model-dseed', type: 'number', min: '0', step: '1' });
  el.epochs = node('input', { id: 'model-epochs', type: 'number', min: '1', step: '1' });
  el.batch = node('input', { id: 'model-batch', type: 'number', min: '1', step: '1' });
  el.seed = node('input', { id: 'model-seed', type: 'number', min: '0', step: '1' });
  el.runs = node('ol', { class: 'run-list model-runs', id: 'model-runs' });
  el.add = node('button', { type: 'button', class: 'btn', id: 'model-add', i18n: 'model.add' });
  el.x = select('model-x', ['steps', 'epochs'], () => '');
  el.sel = node('select', { id: 'model-sel' });
  el.copy = node('button', { type: 'button', class: 'btn primary', id: 'model-copy', i18n: 'model.copy' });
  el.status = node('p', { class: 'model-status', id: 'model-status', role: 'status' });
  el.hiddenField = field('model.hidden', el.hidden);
  el.activationField = field('model.activation', el.activation);
  el.modelHelp = node('p', { class: 'hint' });
  el.dataHelp = node('p', { class: 'hint' });
  const controls = node('div', { class: 'model-controls' }, [
    field('model.preset', el.preset), el.caption, field('lang.label', el.lang),
    field('model.model', el.model), el.modelHelp, el.hiddenField, el.activationField,
    field('model.data', el.data), el.dataHelp, field('model.n', el.n), field('model.noise', el.noise),
    field('model.dataSeed', el.dseed), field('model.epochs', el.epochs), field('model.batch', el.batch),
    field('model.seed', el.seed), node('h3', { i18n: 'model.runs' }), el.runs, el.add,
    field('model.xaxis', el.x), el.selField = field('model.selected', el.sel), el.copy, el.status]);
  el.loss = node('div', { class: 'model-plot', id: 'model-loss' });
  el.acc = node('div', { class: 'model-plot', id: 'model-acc' });
  el.picture = node('div', { class: 'model-plot', id: 'model-picture' });
  el.frame = node('input', { id: 'model-frame', type: 'range', min: '0', max: '8', step: '1', value: '0' });
  el.frameField = field('model.frame', el.frame);
  // line: the surfaces page's own 2-D/3-D figure (plots.js MainPlot), in a box of its own
  el.line = node('div', { class: 'model-plot model-main', id: 'model-line' });
  el.view = node('div', { class: 'model-view', role: 'radiogroup', id: 'model-view' }, [
    radio('model-view', '2d', 'model-view-2d', 'view.2d'), radio('model-view', '3d', 'model-view-3d', 'view.3d')]);
  el.lineBox = node('div', { class: 'model-line-box' }, [el.view, el.line,
    el.lineNote = node('p', { class: 'hint', id: 'model-line-note', i18n: 'model.lineLive' })]);
  el.slice = node('div', { class: 'model-plot', id: 'model-slice' });
  el.lrun = node('select', { id: 'model-lrun' });
  el.lstep = node('input', { id: 'model-lstep', type: 'number', min: '0', step: '1' });
  el.lend = node('button', { type: 'button', class: 'btn small', id: 'model-lend', i18n: 'model.centerEnd' });
  el.lshown = node('button', { type: 'button', class: 'btn small', id: 'model-lshown', i18n: 'model.centerShown' });
  el.center = node('div', { class: 'model-center' }, [field('model.centerRun', el.lrun),
    field('model.centerStep', el.lstep), node('div', { class: 'model-center-buttons' }, [el.lend, el.lshown])]);
  el.sliceBox = node('div', { class: 'model-slice-box' }, [el.slice, el.center]);
  el.table = node('table', { class: 'model-table', id: 'model-table' });
  el.tableBox = node('div', { class: 'model-table-box' }, [node('h3', { i18n: 'model.table' }), el.table]);
  el.legend = node('div', { class: 'model-legend', id: 'model-legend' });
  // the learning rate per step, when a run has a scheduler (the surfaces page's own chart, views/lr-chart.js)
  el.lr = node('div', { class: 'model-lr', id: 'model-lr' });
  el.lrBox = node('div', { class: 'model-plot model-lr-box', id: 'model-lr-box' }, [el.lr]);
  el.pictureBox = node('div', {}, [el.picture, el.frameField]);
  const plots = node('div', { class: 'model-plots' }, [el.legend, el.loss, el.acc, el.lrBox, el.pictureBox, el.lineBox,
    el.sliceBox, el.tableBox]);
  root.append(head, node('div', { class: 'model-body' }, [controls, plots]));
  document.body.appendChild(root);
  return el;
}
