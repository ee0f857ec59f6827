// Knobs the long forms of the test suites read from the environment.

/** The environment variable `name` as a positive integer, or `fallback` when it is unset or empty. */
export function positiveInt(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}
