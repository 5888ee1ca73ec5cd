// The chaos suite's public face, for the test that runs its short profile inside `npm test`.
export { runChaos } from './suite.js';
export { PROFILES, type ChaosOptions, type ScenarioName } from './options.js';
export { passed, textSummary, totalsOf, writeReport, type ChaosReport } from './report.js';
export { INVARIANTS, type Violation } from './invariants.js';
export { FAULT_KINDS, type FaultKind } from './faults.js';
