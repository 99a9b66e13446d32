/** A benchmark's `--name N` (a positive number), or `fallback` when it is not given. */
export function positiveArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number`);
  return v;
}

/** A line of a benchmark's progress. */
export const log = (m: string) => console.log(`[bench] ${m}`);
