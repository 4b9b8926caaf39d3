// What present and embed modes show around the figure: the body's mode classes, the present-mode head (title,
// the preset's caption) and the preset caption above the plot, and the embed's "open in the playground" link.

import { t, getLang } from '../i18n.js';
import { presetCaption } from '../presets.js';
import { toQuery } from '../state.js';

const $ = (id) => document.getElementById(id);

export function showModes(state, catalog, controls) {
  document.body.classList.toggle('present', state.present);
  document.body.classList.toggle('embed', state.embed);
  $('present-toggle').setAttribute('aria-pressed', state.present ? 'true' : 'false');
  const caption = state.preset ? presetCaption(state.preset, getLang()) : '';
  for (const id of ['preset-caption', 'present-caption']) {
    $(id).textContent = caption;
    $(id).hidden = !caption;
  }
  const surface = state.surface === 'custom' ? state.expr : controls.surfaceLabel(state.surface);
  $('present-title').textContent = state.preset ? `${t(`preset.${state.preset}`)} · ${surface}` : surface;
  const a = $('embed-open');
  a.hidden = !state.embed;
  if (state.embed) a.href = `${location.pathname}?${toQuery({ ...state, embed: false }, catalog)}`;
}
