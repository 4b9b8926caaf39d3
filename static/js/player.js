// The animation clock: a step position that advances at `speed` steps per second on requestAnimationFrame,
// stops at the last step it has (waiting there while a stream is still arriving), and calls onStep(k) whenever
// the whole step changes. The loop runs only while playing, so a paused page costs nothing.

export class Player {
  constructor({ onStep, onChange } = {}) {
    this.onStep = onStep;
    this.onChange = onChange;
    this.pos = 0;
    this.last = 0; // highest step index there is data for
    this.complete = true; // false while a stream may still add steps
    this.speed = 60;
    this.playing = false;
    this.raf = 0;
    this.prevTime = 0;
    this.shown = -1;
    this.frames = 0; // animation frames drawn while playing, for the benchmark hook
    this.tick = this.tick.bind(this);
  }

  get step() {
    return Math.floor(this.pos);
  }

  setLength(last, complete) {
    this.last = Math.max(0, last);
    this.complete = complete;
    if (this.pos > this.last) this.seek(this.last);
  }

  play() {
    if (this.playing) return;
    if (this.complete && this.step >= this.last) this.pos = 0; // at the end: Play starts over
    this.playing = true;
    this.prevTime = performance.now();
    this.raf = requestAnimationFrame(this.tick);
    this.emit(true);
  }

  pause() {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this.raf);
    this.emit(true);
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  restart() {
    this.pos = 0;
    this.show(true);
    this.play();
  }

  /** One step back or forward; pauses, as a frame-by-frame look wants. */
  stepBy(d) {
    this.pause();
    this.seek(this.step + d);
  }

  seek(k) {
    this.pos = Math.max(0, Math.min(this.last, Math.round(k)));
    this.show(true);
  }

  tick(now) {
    if (!this.playing) return;
    // rAF's timestamp is the frame's start, which can precede the performance.now() taken in play(): never < 0.
    // A hidden tab must not jump to the end either, so one frame advances at most a quarter second.
    const dt = Math.max(0, Math.min(0.25, (now - this.prevTime) / 1000));
    this.prevTime = now;
    this.pos = Math.min(this.last, this.pos + this.speed * dt);
    this.frames++;
    this.show(false);
    if (this.complete && this.pos >= this.last) {
      this.playing = false;
      this.emit(true);
      return;
    }
    this.raf = requestAnimationFrame(this.tick);
  }

  show(force) {
    const k = this.step;
    if (force || k !== this.shown) {
      this.shown = k;
      this.onStep?.(k);
      this.emit(false);
    }
  }

  emit(stateChanged) {
    this.onChange?.(this, stateChanged);
  }
}
