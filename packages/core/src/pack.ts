// Columnar packing of script arguments. Rows of strings (a task entry's fields, a settle
// write's command) go out as a few templates holding the values all rows of one shape share
// ('v' '1' 'data', result field names, the consumer's name, ...) plus, per row, only the
// values that differ. Redis turns every ARGV into a Lua string and node-redis encodes every
// argument on its own, so this cut publish and settle CPU on both sides (see bench/).
//
// On the wire, a template is: len, len strings ('' where rows differ), v, v positions
// (1-based); a row is its v differing values, in position order.

export interface RowShape<R> {
  /** Rows of the same shape share a template: at least the same length. */
  same(a: R, b: R): boolean;
  length(row: R): number;
  /** The row's j-th string (0-based). */
  at(row: R, j: number): string;
}

export interface Template<R> {
  first: R;
  length: number;
  /** vary[j]: rows of this template differ at position j. */
  vary: boolean[];
  /** 0-based positions that vary, filled by `packTemplates`. */
  slots: number[];
}

export interface Packed<R> {
  templates: Template<R>[];
  /** Template index (0-based) of each row. */
  of: number[];
}

/** Group rows by shape and find, per template, the positions where its rows differ. */
export function packTemplates<R>(rows: readonly R[], shape: RowShape<R>): Packed<R> {
  const templates: Template<R>[] = [];
  const of: number[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as R;
    let t = 0;
    while (t < templates.length && !shape.same((templates[t] as Template<R>).first, row)) t++;
    of[r] = t;
    if (t === templates.length) {
      const length = shape.length(row);
      templates.push({ first: row, length, vary: new Array<boolean>(length).fill(false), slots: [] });
      continue;
    }
    const { first, vary, length } = templates[t] as Template<R>;
    for (let j = 0; j < length; j++) if (!vary[j] && shape.at(row, j) !== shape.at(first, j)) vary[j] = true;
  }
  for (const t of templates) for (let j = 0; j < t.length; j++) if (t.vary[j]) t.slots.push(j);
  return { templates, of };
}

/** Append a template: len, its strings ('' where rows differ), v, the 1-based positions. */
export function pushTemplate<R>(args: string[], t: Template<R>, shape: RowShape<R>): void {
  args.push(String(t.length));
  for (let j = 0; j < t.length; j++) args.push(t.vary[j] ? '' : shape.at(t.first, j));
  args.push(String(t.slots.length));
  for (const j of t.slots) args.push(String(j + 1));
}

/** Append a row's differing values. */
export function pushRow<R>(args: string[], t: Template<R>, row: R, shape: RowShape<R>): void {
  for (const j of t.slots) args.push(shape.at(row, j));
}

/** Rows that are plain string lists (a task entry's field/value list). */
export const listShape: RowShape<readonly string[]> = {
  same: (a, b) => a.length === b.length,
  length: (row) => row.length,
  at: (row, j) => row[j] as string,
};
