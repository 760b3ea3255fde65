// Benchmark dispatcher: `node dist/bench/run.js [name...]` runs the named
// benchmarks (all when none is named), one after another. Each benchmark is
// an async function in its own file; it prints its figures and writes its
// section of bench/RESULTS.md.
const benchmarks: Record<string, () => Promise<void>> = {
  webhook: async () => (await import('./webhook.js')).webhookBenchmark(),
  extender: async () => (await import('./extender.js')).extenderBenchmark(),
  scheduler: async () => (await import('./scheduler.js')).schedulerBenchmark(),
  memory: async () => (await import('./memory.js')).memoryBenchmark(),
  fuzz: async () => (await import('./fuzz.js')).fuzzBenchmark(),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((n) => !(n in benchmarks));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  for (const name of wanted.length > 0 ? wanted : Object.keys(benchmarks)) {
    console.log(`== ${name}`);
    await (benchmarks[name] as () => Promise<void>)();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
