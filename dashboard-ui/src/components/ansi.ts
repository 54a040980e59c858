// ANSI colours in console output (SGR: 0 reset, 1 bold, 2 dim, 3 italic, 4 underline, 30-37,
// 90-97 and 40-47, 100-107, 38;5;n / 38;2;r;g;b and their background forms). The result is plain
// text segments with class names and colours that the page renders as text nodes, so output can
// never inject HTML. Other escape sequences (cursor moves, erase line, OSC titles) are dropped.

export interface Segment {
  text: string;
  /** Space-separated class names (fg-1, bg-4, bold, …), or "" for plain text. */
  cls: string;
  /** Inline colour for 256-colour / true-colour codes; undefined otherwise. */
  color?: string;
  background?: string;
}

interface Pen {
  fg: string | null;
  bg: string | null;
  fgRgb?: string;
  bgRgb?: string;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

const PLAIN: Pen = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false };

// CSI … final byte, OSC … BEL/ST, and lone two-byte escapes.
const ESCAPE = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** True when `text` has an escape sequence (most lines have none: they skip the parser). */
export function hasEscapes(text: string): boolean {
  return text.includes("\x1b");
}

/** `text` without escape sequences: what search matches against. */
export function stripAnsi(text: string): string {
  return hasEscapes(text) ? text.replace(ESCAPE, "") : text;
}

const PALETTE_256 = (() => {
  const base = [
    "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
  ];
  const out = [...base];
  const steps = [0, 95, 135, 175, 215, 255];
  for (let r = 0; r < 6; r++)
    for (let g = 0; g < 6; g++) for (let b = 0; b < 6; b++) out.push(`rgb(${steps[r]},${steps[g]},${steps[b]})`);
  for (let i = 0; i < 24; i++) {
    const v = 8 + i * 10;
    out.push(`rgb(${v},${v},${v})`);
  }
  return out;
})();

function apply(pen: Pen, params: string): Pen {
  const codes = params === "" ? [0] : params.split(";").map((p) => (p === "" ? 0 : Number(p)));
  const next: Pen = { ...pen };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) Object.assign(next, PLAIN, { fgRgb: undefined, bgRgb: undefined });
    else if (c === 1) next.bold = true;
    else if (c === 2) next.dim = true;
    else if (c === 3) next.italic = true;
    else if (c === 4) next.underline = true;
    else if (c === 22) next.bold = next.dim = false;
    else if (c === 23) next.italic = false;
    else if (c === 24) next.underline = false;
    else if (c >= 30 && c <= 37) (next.fg = String(c - 30)), (next.fgRgb = undefined);
    else if (c >= 90 && c <= 97) (next.fg = String(c - 90 + 8)), (next.fgRgb = undefined);
    else if (c === 39) (next.fg = null), (next.fgRgb = undefined);
    else if (c >= 40 && c <= 47) (next.bg = String(c - 40)), (next.bgRgb = undefined);
    else if (c >= 100 && c <= 107) (next.bg = String(c - 100 + 8)), (next.bgRgb = undefined);
    else if (c === 49) (next.bg = null), (next.bgRgb = undefined);
    else if (c === 38 || c === 48) {
      let colour: string | undefined;
      if (codes[i + 1] === 5 && codes[i + 2] !== undefined) {
        colour = PALETTE_256[codes[i + 2]];
        i += 2;
      } else if (codes[i + 1] === 2 && codes[i + 4] !== undefined) {
        const [r, g, b] = [codes[i + 2], codes[i + 3], codes[i + 4]].map((v) => Math.max(0, Math.min(255, v | 0)));
        colour = `rgb(${r},${g},${b})`;
        i += 4;
      } else break; // malformed: ignore the rest of this sequence
      if (c === 38) (next.fg = null), (next.fgRgb = colour);
      else (next.bg = null), (next.bgRgb = colour);
    }
  }
  return next;
}

function classes(pen: Pen): string {
  const out: string[] = [];
  if (pen.fg !== null) out.push(`fg-${pen.fg}`);
  if (pen.bg !== null) out.push(`bg-${pen.bg}`);
  if (pen.bold) out.push("bold");
  if (pen.dim) out.push("dim");
  if (pen.italic) out.push("italic");
  if (pen.underline) out.push("underline");
  return out.join(" ");
}

/** The segments of one line. Each line starts with a plain pen (the server splits lines, and a
 * colour left open by one line should not paint the rest of the log). */
export function parseAnsi(text: string): Segment[] {
  if (!hasEscapes(text)) return [{ text, cls: "" }];
  const out: Segment[] = [];
  let pen = PLAIN;
  let at = 0;
  const push = (chunk: string) => {
    if (!chunk) return;
    out.push({ text: chunk, cls: classes(pen), color: pen.fgRgb, background: pen.bgRgb });
  };
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(text); m; m = ESCAPE.exec(text)) {
    push(text.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[2] === "m") pen = apply(pen, m[1]);
  }
  push(text.slice(at));
  return out;
}
