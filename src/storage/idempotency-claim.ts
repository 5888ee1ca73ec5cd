// A request made with an Idempotency-Key claims its key in the same transaction as the change it
// makes: either both commit or neither does, so a retry can never apply the change twice. The claim
// travels with the request's async context to the first transaction the request runs, and that
// transaction commits only with the request's answer, so a node dying after the commit loses nothing.
import { AsyncLocalStorage } from 'node:async_hooks';

/** The answer a request gives (status and the body as sent), kept with its key. */
export interface DerivedAnswer {
  readonly status: number;
  readonly body: string;
}

export interface IdempotencyClaim {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
}

export interface ClaimState {
  readonly claim: IdempotencyClaim;
  /** True once a transaction holding the claim has committed. */
  committed: boolean;
  /**
   * True when the claiming transaction holds its commit until the request's answer is known
   * (`commitWith`), so the answer is stored with the change: an HTTP request's claim does.
   */
  readonly holdsForAnswer: boolean;
  /**
   * Set while the claiming transaction has done its work and waits for the answer: stores the answer
   * and commits (resolving once committed), or, given undefined, rolls the change back.
   */
  commitWith?: (answer: DerivedAnswer | undefined) => Promise<void>;
}

const current = new AsyncLocalStorage<ClaimState>();

/**
 * Runs `fn` with `claim` pending: the first transaction `fn` runs records the key with its change.
 * With `holdForAnswer`, that transaction commits only when `state.commitWith` gives it the answer.
 */
export async function withIdempotencyClaim<T>(claim: IdempotencyClaim, fn: (state: ClaimState) => Promise<T>, options: { holdForAnswer?: boolean } = {}): Promise<{ result: T; state: ClaimState }> {
  const state: ClaimState = { claim, committed: false, holdsForAnswer: options.holdForAnswer ?? false };
  const result = await current.run(state, () => fn(state));
  return { result, state };
}

/** The claim of the current request, while no transaction holding it has committed. */
export function pendingClaim(): ClaimState | undefined {
  const state = current.getStore();
  return state && !state.committed ? state : undefined;
}
