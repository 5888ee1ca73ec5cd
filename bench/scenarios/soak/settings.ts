// The soak's options: each checked before anything starts (a value out of range is a usage error, exit
// code 2), and the bounds that follow from them (how long its processes may live).
import { LOAD_CLIENT_OPTIONS } from '../../lib/load-clients.js';
import { BenchOptionError, dependent, flag, num, readOptions, revision, whole, type OptionSpecs } from '../../lib/options.js';
import { hardFdLimit } from '../../lib/processes.js';

export interface Settings {
  readonly subscribers: number;
  /** Length of the publishing, in minutes (fractions allowed); at most an hour. */
  readonly minutes: number;
  /** Events published per second, one request at a time. */
  readonly rate: number;
  /** A cut round every this many seconds… */
  readonly cutEverySec: number;
  /** … cuts this fraction of the subscribers (socket reset by the client). */
  readonly cutFraction: number;
  /** … and has the server end this many more streams (an operator disconnect: stream.unauthorized). */
  readonly serverCuts: number;
  /** A cut subscriber reconnects after a random 0 … this many seconds. */
  readonly reconnectWithinSec: number;
  /** One measured window every this many seconds. */
  readonly sampleEverySec: number;
  readonly clientProcesses: number;
  /** Loopback source addresses per load-client process. */
  readonly sourcesPerProcess: number;
  /** Contacts sharing the streams (each holds subscribers / contacts of them). */
  readonly contacts: number;
  readonly connectConcurrency: number;
  /** Capstan runs with --cpu-prof into bench/results/profiles/. */
  readonly profile: boolean;
  /** Measure this git revision of Capstan instead of the working tree. */
  readonly capstanRev: string | undefined;
}

/**
 * 2 events/s to 10,000 subscribers is 20,000 deliveries/s. On this 2-core box, shared with other
 * benchmark runs, 5/s (50,000 deliveries/s, about half a core of fan-out writes) left the server no
 * margin once the box got busy: one event's fan-out filled a whole event-loop turn, Node accepts one
 * connection per turn, and cut subscribers waited minutes to reconnect. At 2/s, under the same load,
 * every cut subscriber was back within its round. A quiet machine holds --rate=5.
 */
export const DEFAULT_RATE = 2;

/** Starting the server, connecting every subscriber, the warm-up, the catch-up and stopping: at most this long. */
const SETUP_BOUND_SEC = 600;

export const SOAK_OPTIONS = {
  // The server holds every subscriber plus its own descriptors, within the hard limit.
  subscribers: dependent(() => whole(10_000, 1, Math.max(1, hardFdLimit() - 1024), `the descriptor hard limit here is ${hardFdLimit()}`)),
  minutes: num(10, { min: 0.1, max: 60, why: 'a soak is bounded: an hour at most' }),
  rate: num(DEFAULT_RATE, { max: 1000 }),
  'cut-every': num(10, { min: 1, max: 600 }),
  'cut-fraction': num(0.05, { min: 0, max: 1, why: 'a fraction of the subscribers: 0.05 is 5 %' }),
  'server-cuts': whole(5, 0, 1000, 'streams the server ends per cut round'),
  'reconnect-within': num(2, { min: 0, max: 60, why: 'well inside the 5-minute replay window' }),
  'sample-every': num(5, { min: 1, max: 60 }),
  ...LOAD_CLIENT_OPTIONS,
  profile: flag(),
  'capstan-rev': revision(),
} satisfies OptionSpecs;

export function settingsFrom(options: ReadonlyMap<string, string>): Settings {
  const o = readOptions(SOAK_OPTIONS, options);
  const s: Settings = {
    subscribers: o.subscribers,
    minutes: o.minutes,
    rate: o.rate,
    cutEverySec: o['cut-every'],
    cutFraction: o['cut-fraction'],
    serverCuts: o['server-cuts'],
    reconnectWithinSec: o['reconnect-within'],
    sampleEverySec: o['sample-every'],
    clientProcesses: o.clients,
    sourcesPerProcess: o.sources,
    contacts: o.contacts,
    connectConcurrency: o['connect-concurrency'],
    profile: o.profile,
    capstanRev: o['capstan-rev'],
  };
  const runSec = s.minutes * 60;
  if (s.sampleEverySec > runSec) throw new BenchOptionError(`--sample-every=${s.sampleEverySec}: longer than the run (--minutes=${s.minutes} is ${runSec} s), so no window would be measured`);
  if (s.cutEverySec >= runSec && (s.cutFraction > 0 || s.serverCuts > 0)) {
    throw new BenchOptionError(`--cut-every=${s.cutEverySec}: not shorter than the run (--minutes=${s.minutes} is ${runSec} s), so nothing would be cut; --cut-fraction=0 --server-cuts=0 runs without cuts`);
  }
  return s;
}

/** The longest a run with these settings takes; every process it starts is bounded by it too. */
export function boundSec(s: Settings): number {
  return Math.ceil(s.minutes * 60) + SETUP_BOUND_SEC;
}
