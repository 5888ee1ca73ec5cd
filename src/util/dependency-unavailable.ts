// A service Capstan depends on, other than its database, did not answer: refused, reset, timed out or
// failing on its side (a 5xx). Nothing was done, and the same call later may well pass: a request
// answers 503 unavailable and a workflow stage waits for it, without using up its attempts.

export class DependencyUnavailable extends Error {
  override readonly name = 'DependencyUnavailable';

  constructor(
    /** What a message may name: "the file store". */
    readonly dependency: string,
    options: {
      readonly cause: unknown;
      /** What is wrong with it, when more is known than that it did not answer: "cannot take writes right now: its disk is full". */
      readonly state?: string;
    },
  ) {
    super(`${dependency} ${options.state ?? 'cannot be reached right now'}`, { cause: options.cause });
  }
}

export const isDependencyUnavailable = (e: unknown): e is DependencyUnavailable => e instanceof DependencyUnavailable;
