// Who decides the order of a topic's events. Publishing mints the id, appends and wakes subscribers
// under the sequencer, so ids and delivery order agree: in-process for one node, through Redis for many.
import { uuidv7 } from '../util/ids.js';

export interface Sequencer {
  /** Runs `fn` exclusively for `topic` with the next id, which sorts after every earlier id of the topic. */
  next<T>(topic: string, fn: (id: string) => Promise<T>): Promise<T>;
}

export class LocalSequencer implements Sequencer {
  private readonly chains = new Map<string, Promise<unknown>>();

  next<T>(topic: string, fn: (id: string) => Promise<T>): Promise<T> {
    const previous = this.chains.get(topic) ?? Promise.resolve();
    const run = previous.then(() => fn(uuidv7()));
    const settled = run.catch(() => undefined);
    this.chains.set(topic, settled);
    void settled.then(() => {
      if (this.chains.get(topic) === settled) this.chains.delete(topic);
    });
    return run;
  }
}
