// Columnar packing of script arguments. Rows of strings (a task entry's fields, a settle
// write's command) go out as a few templates holding the values all rows of one shape share
// ('v' '1' 'data', result field names, the consumer's name, ...) plus, per row, only the
// values that differ. Redis turns every ARGV into a Lua string and node-redis encodes every
// argument on its own, so this cut publish and settle CPU on both sides (see bench/).
//
// On the wire, a template is: len, len strings ('' where rows differ), v, v positions
// (1-based; negative when that position always holds the row's owner id, e.g. the entry a
// result entry is about, which the script already has); a row is its other differing values.

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
  /** owned[j]: every row holds its owner id at position j. */
  owned: boolean[];
  /** 0-based positions whose values each row sends, filled by `packTemplates`. */
  slots: number[];
}

export interface Packed<R> {
  templates: Template<R>[];
  /** Template index (0-based) of each row. */
  of: number[];
}

/**
 * Group rows by shape and find, per template, the positions where its rows differ. With
 * `owners` (one id per row), positions that always hold the row's owner id are marked too.
 */
export function packTemplates<R>(rows: readonly R[], shape: RowShape<R>, owners?: readonly string[]): Packed<R> {
  const templates: Template<R>[] = [];
  const of: number[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as R;
    const owner = owners?.[r];
    let t = 0;
    while (t < templates.length && !shape.same((templates[t] as Template<R>).first, row)) t++;
    of[r] = t;
    if (t === templates.length) {
      const length = shape.length(row);
      const owned = new Array<boolean>(length);
      for (let j = 0; j < length; j++) owned[j] = owner !== undefined && shape.at(row, j) === owner;
      templates.push({ first: row, length, vary: new Array<boolean>(length).fill(false), owned, slots: [] });
      continue;
    }
    const { first, vary, owned, length } = templates[t] as Template<R>;
    for (let j = 0; j < length; j++) {
      if (!vary[j] && shape.at(row, j) !== shape.at(first, j)) vary[j] = true;
      if (owned[j] && shape.at(row, j) !== owner) owned[j] = false;
    }
  }
  for (const t of templates) for (let j = 0; j < t.length; j++) if (t.vary[j] && !t.owned[j]) t.slots.push(j);
  return { templates, of };
}

/** Append a template: len, its strings ('' where rows differ), v, the 1-based positions. */
export function pushTemplate<R>(args: string[], t: Template<R>, shape: RowShape<R>): void {
  args.push(String(t.length));
  for (let j = 0; j < t.length; j++) args.push(t.vary[j] ? '' : shape.at(t.first, j));
  let v = 0;
  for (let j = 0; j < t.length; j++) if (t.vary[j]) v++;
  args.push(String(v));
  for (let j = 0; j < t.length; j++) if (t.vary[j]) args.push(String(t.owned[j] ? -(j + 1) : j + 1));
}

/** Append a row's differing values (not those that are its owner id). */
export function pushRow<R>(args: string[], t: Template<R>, row: R, shape: RowShape<R>): void {
  for (const j of t.slots) args.push(shape.at(row, j));
}

/** Rows that are plain string lists (a task entry's field/value list). */
export const listShape: RowShape<readonly string[]> = {
  same: (a, b) => a.length === b.length,
  length: (row) => row.length,
  at: (row, j) => row[j] as string,
};
