import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain "N passed, N failed" closing line that CI reads, after vitest's own summary,
 * and the slowest files (by project): what to look at first when CI's time grows.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    const slowest = [...testModules]
      .map((module) => ({
        name: `${module.project.name} ${module.moduleId.split('/').slice(-2).join('/')}`,
        ms: module.diagnostic().duration,
      }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 12);
    console.log('\nslowest files:');
    for (const { name, ms } of slowest) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`);
    console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
