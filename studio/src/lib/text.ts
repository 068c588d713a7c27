// Text helpers for logs and previews.

export function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const ERROR_RE = /(\berror\b|\bexception\b|traceback \(most recent call last\)|\bfatal\b|\bfailed\b|\bpanic\b|segmentation fault|\bkilled\b)/i;

/** The index of the first line that looks like an error (a Python traceback's first line wins), or -1. */
export function firstErrorLine(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) if (/^Traceback \(most recent call last\)/.test(lines[i])) return i;
  for (let i = 0; i < lines.length; i++) if (ERROR_RE.test(lines[i])) return i;
  return -1;
}

/** A small CSV parser (quotes, doubled quotes, separators inside quotes) for previews; at most `maxRows` rows. */
export function parseCsv(text: string, sep = ',', maxRows = Infinity): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else q = false;
      } else cell += c;
      continue;
    }
    if (c === '"' && cell === '') q = true;
    else if (c === sep) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      if (rows.length >= maxRows) return rows;
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
