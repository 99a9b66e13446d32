/**
 * What a benchmark started (lab, hosts, browsers, phones) is stopped in reverse order: at the end
 * of the run, or on SIGINT/SIGTERM, with each step's failure reported and the rest still run.
 */
const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
let cleaningUp: Promise<void> | undefined;

export function atCleanup(what: string, run: () => Promise<unknown>): void {
  cleanups.push({ what, run });
}

export function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c.run();
      } catch (e) {
        console.error(`[bench] clean-up (${c.what}) failed: ${(e as Error).message}`);
      }
    }
  })();
  return cleaningUp;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`[bench] ${sig}: stopping what the benchmark started…`);
    void cleanUp().then(() => process.exit(130));
  });
}

/** Runs a benchmark's main, stops what it started whatever happened, and exits (1 when it failed). */
export async function runBench(main: () => Promise<void>): Promise<never> {
  let exitCode = 0;
  try {
    await main();
  } catch (e) {
    console.error(`[bench] failed: ${(e as Error).stack ?? String(e)}`);
    exitCode = 1;
  } finally {
    await cleanUp();
  }
  process.exit(exitCode);
}
