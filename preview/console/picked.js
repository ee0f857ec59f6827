// Events picked in the inspector to test a change on, held in memory only (they may hold personal
// data: never written to storage, gone with the page).

const picked = new Map(); // source → Map(id → record)

export function pick(source, record) {
  if (!picked.has(source)) picked.set(source, new Map());
  picked.get(source).set(record.id, record);
}

export function unpick(source, id) {
  picked.get(source)?.delete(id);
}

export function pickedOf(source) {
  return [...(picked.get(source)?.values() ?? [])];
}

/** Forgets every picked event (at sign-out). */
export function forgetPicked() {
  picked.clear();
}
