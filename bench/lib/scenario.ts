// What a scenario is to the harness: a name, a run that returns its numbers, a table and a chart.
import type { MachineInfo } from './machine.js';
import type { OptionSpecs } from './options.js';

export interface ScenarioContext {
  /** The repository root. */
  readonly root: string;
  /** Options after the scenario name, `--key=value` (a bare `--key` is "true"). */
  readonly options: ReadonlyMap<string, string>;
  readonly machine: MachineInfo;
  log(message: string): void;
}

export interface ScenarioOutput {
  /** Raw numbers and the settings that produced them; written as JSON next to the machine info. */
  readonly data: unknown;
  /** Markdown tables and notes for bench/results/<name>.md and BENCHMARKS.md. */
  readonly markdown: string;
  /** A standalone SVG chart. */
  readonly svg: string;
  /**
   * Set when the run proved something wrong that it exists to check (the soak: an event lost,
   * duplicated or out of order): the harness still writes the results, then exits non-zero.
   */
  readonly failure?: string;
}

export interface Scenario {
  readonly name: string;
  /** One line for BENCHMARKS.md. */
  readonly title: string;
  /**
   * The `--key=value` options it takes, each with its reader (bench/lib/options.ts). Before the first
   * scenario starts, the harness reads every selected scenario's options, so that a value out of range
   * stops the run with a usage error, and refuses a key none of them declares.
   */
  readonly options: OptionSpecs;
  /** Checks between options (one bound by another) before anything starts; throws BenchOptionError. */
  validate?(options: ReadonlyMap<string, string>): void;
  /**
   * For a scenario whose length is an option (the soak): the longest a run with these options takes,
   * added to the harness's watchdog so a long run is not mistaken for a hung one.
   */
  durationBoundMs?(options: ReadonlyMap<string, string>): number;
  run(ctx: ScenarioContext): Promise<ScenarioOutput>;
}
