// The server's LaTeX for a typed formula, shown without a TeX engine: a small reader that builds DOM nodes
// (italic variables, <sup>/<sub>, stacked fractions, √) and treats anything it does not know as plain text.
// It only ever creates elements and text nodes, so the formula can never become markup.

const WORDS = new Set(['sin', 'cos', 'tan', 'exp', 'log', 'ln', 'sqrt', 'abs', 'tanh', 'sinh', 'cosh', 'arctan',
  'atan', 'max', 'min', 'operatorname']);
const SYMBOLS = { cdot: '·', times: '×', pi: 'π', infty: '∞', pm: '±', left: '', right: '', quad: ' ', qquad: ' ',
  ',': ' ', ';': ' ', ':': ' ', '!': '', ' ': ' ', '{': '{', '}': '}', '|': '‖', lvert: '|', rvert: '|',
  vert: '|', langle: '⟨', rangle: '⟩', lbrace: '{', rbrace: '}', e: 'e' };

function node(tag, cls) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  return n;
}

class Reader {
  constructor(text) {
    this.s = text;
    this.i = 0;
  }

  done() {
    return this.i >= this.s.length;
  }

  /** A {group} or a single token, as nodes appended to `into`. */
  argument(into) {
    this.skipSpace();
    if (this.s[this.i] === '{') {
      this.i++;
      this.sequence(into, '}');
      this.i++;
    } else {
      this.token(into);
    }
  }

  skipSpace() {
    while (this.s[this.i] === ' ') this.i++;
  }

  sequence(into, stop) {
    while (!this.done() && this.s[this.i] !== stop) this.token(into);
  }

  command() {
    this.i++; // the backslash
    const m = /^[A-Za-z]+/.exec(this.s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      return m[0];
    }
    return this.s[this.i++] ?? '';
  }

  token(into) {
    const c = this.s[this.i];
    if (c === '\\') {
      const name = this.command();
      if (name === 'frac' || name === 'tfrac' || name === 'dfrac') {
        const frac = node('span', 'frac');
        const num = node('span', 'num');
        const den = node('span', 'den');
        this.argument(num);
        this.argument(den);
        frac.append(num, den);
        into.append(frac);
      } else if (name === 'sqrt') {
        const root = node('span', 'sqrt');
        const body = node('span', 'radicand');
        this.argument(body);
        root.append('√', body);
        into.append(root);
      } else if (name === 'operatorname' || name === 'mathrm' || name === 'text' || name === 'mathit') {
        const word = node('span', 'fn');
        this.argument(word);
        word.textContent = word.textContent; // flatten: a name is plain text
        into.append(word);
      } else if (WORDS.has(name)) {
        const word = node('span', 'fn');
        word.textContent = name === 'arctan' ? 'atan' : name;
        into.append(word);
      } else if (Object.hasOwn(SYMBOLS, name)) {
        if (SYMBOLS[name]) into.append(SYMBOLS[name]);
      } else {
        into.append(name);
      }
    } else if (c === '^' || c === '_') {
      this.i++;
      const script = node(c === '^' ? 'sup' : 'sub');
      this.argument(script);
      into.append(script);
    } else if (c === '{') {
      this.i++;
      this.sequence(into, '}');
      this.i++;
    } else if (c === '}') {
      this.i++; // unbalanced: drop it
    } else if (/[A-Za-z]/.test(c)) {
      const v = node('var');
      v.textContent = c;
      into.append(v);
      this.i++;
    } else if (c === '-') {
      into.append(' − ');
      this.i++;
    } else if (c === '+' || c === '=') {
      into.append(` ${c} `);
      this.i++;
    } else {
      into.append(c);
      this.i++;
    }
  }
}

/** A <span class="formula"> showing the LaTeX `text` as readable math. */
export function formulaNode(text) {
  const out = node('span', 'formula');
  const r = new Reader(String(text));
  let guard = 0;
  while (!r.done() && guard++ < 5000) r.token(out);
  out.normalize();
  return out;
}

/** The plain text of a formula, e.g. for a title attribute. */
export function formulaText(text) {
  return formulaNode(text).textContent.replace(/\s+/g, ' ').trim();
}
