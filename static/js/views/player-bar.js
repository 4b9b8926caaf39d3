// The player bar (restart, step back, play/pause, step forward, the scrub slider, the position) and its keys:
// Space plays or pauses, ← → step, R restarts, P turns present mode on or off. It drives a Player and shows
// where it is.

import { t } from '../i18n.js';

const $ = (id) => document.getElementById(id);

function typingIn(target) {
  const tag = target?.tagName;
  return target?.isContentEditable || tag === 'TEXTAREA' || tag === 'SELECT'
    || (tag === 'INPUT' && !['range', 'checkbox', 'radio', 'button', 'color'].includes(target.type));
}

export class PlayerBar {
  constructor(player, { onPresent } = {}) {
    this.player = player;
    this.onPresent = onPresent;
    $('play').addEventListener('click', () => player.toggle());
    $('step-back').addEventListener('click', () => player.stepBy(-1));
    $('step-forward').addEventListener('click', () => player.stepBy(1));
    $('restart').addEventListener('click', () => player.restart());
    $('scrub').addEventListener('input', (e) => {
      player.pause();
      player.seek(Number(e.target.value));
    });
    document.addEventListener('keydown', (e) => this.key(e));
  }

  key(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    const tag = target?.tagName;
    if (typingIn(target)) return;
    const player = this.player;
    if (e.key === ' ' || e.code === 'Space') {
      // Space already means something on buttons, links, check boxes and <summary>: leave it to them.
      if (['BUTTON', 'A', 'SUMMARY'].includes(tag) || (tag === 'INPUT' && ['checkbox', 'radio'].includes(target.type))) {
        return;
      }
      e.preventDefault();
      player.toggle();
    } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && !(tag === 'INPUT' && target.type === 'range')) {
      e.preventDefault();
      player.stepBy(e.key === 'ArrowLeft' ? -1 : 1);
    } else if (e.key === 'r' || e.key === 'R') {
      e.preventDefault();
      player.restart();
    } else if ((e.key === 'p' || e.key === 'P') && this.onPresent) {
      e.preventDefault();
      this.onPresent();
    }
  }

  /** Shows the player's position; `full` also resets the slider's length and the play button. */
  update(full) {
    const p = this.player;
    const scrub = $('scrub');
    if (full) scrub.max = String(p.last);
    if (document.activeElement !== scrub || full) scrub.value = String(p.step);
    const text = t('player.position', { k: p.step, n: p.last });
    $('position').textContent = text;
    const counter = $('present-step');
    if (counter) counter.textContent = text;
    if (full) {
      const play = $('play');
      play.setAttribute('aria-pressed', p.playing ? 'true' : 'false');
      const label = t(p.playing ? 'player.pause' : 'player.play');
      play.setAttribute('aria-label', label);
      play.title = label;
    }
  }
}
