// A request made with an Idempotency-Key claims its key in the same transaction as the change it
// makes: either both commit or neither does, so a retry can never apply the change twice. The claim
// travels with the request's async context to the first transaction the request runs.
import { AsyncLocalStorage } from 'node:async_hooks';

/** An answer a request can give from the events its change appended (a publish answers their id). */
export interface DerivedAnswer {
  readonly status: number;
  readonly body: string;
}

export interface IdempotencyClaim {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  /**
   * When the answer follows from the events the change appends, it is recorded in the change's own
   * transaction: a retry gets it even if the node died before answering.
   */
  readonly answerFromEvents?: (eventIds: readonly string[]) => DerivedAnswer | undefined;
}

export interface ClaimState {
  readonly claim: IdempotencyClaim;
  /** True once a transaction holding the claim has committed. */
  committed: boolean;
}

const current = new AsyncLocalStorage<ClaimState>();

/** Runs `fn` with `claim` pending: the first transaction `fn` commits records the key with it. */
export async function withIdempotencyClaim<T>(claim: IdempotencyClaim, fn: (state: ClaimState) => Promise<T>): Promise<{ result: T; state: ClaimState }> {
  const state: ClaimState = { claim, committed: false };
  const result = await current.run(state, () => fn(state));
  return { result, state };
}

/** The claim the next transaction must take, if the current request has one not yet committed. */
export function pendingClaim(): ClaimState | undefined {
  const state = current.getStore();
  return state && !state.committed ? state : undefined;
}
