// The storage facade the rest of Capstan uses: repositories over one Kysely query layer, and
// transactions that hand the same repositories bound to the transaction. Events appended in a
// transaction are announced to the commit listeners once it commits (the outbox's relay).
import type { Kysely } from 'kysely';
import { idempotencyInProgress } from '../http/errors.js';
import { connect, type Driver } from './connect.js';
import { DEFAULT_POSTGRES_BOUNDS, type PostgresBounds } from './pg-pool.js';
import { pendingClaim, type ClaimState, type DerivedAnswer } from './idempotency-claim.js';
import { QueryRunner, SqliteStatements } from './prepared.js';
import { listenPostgres, type Listening } from './listen.js';
import { migrateToLatest, type MigrationReport } from './migrate.js';
import { appRepo, type AppRepo } from './repos/apps.js';
import { broadcastRepo, type BroadcastRepo } from './repos/broadcasts.js';
import { cleanupRepo, type CleanupRepo } from './repos/cleanup.js';
import { communityRepo, type CommunityRepo } from './repos/community.js';
import { consoleSessionRepo, type ConsoleSessionRepo } from './repos/console-sessions.js';
import { conversationRepo, type ConversationRepo } from './repos/conversations.js';
import { discussionRepo, type DiscussionRepo } from './repos/discussions.js';
import { documentRepo, type DocumentRepo } from './repos/documents.js';
import { appendOnPostgres, eventRepo, type EventRepo, type EventRow, type NewEventRow } from './repos/events.js';
import { hubRepo, KnownHubs, type HubRepo } from './repos/hubs.js';
import { answerBox, idempotencyRepo, type AnswerSeal, type IdempotencyRepo } from './repos/idempotency.js';
import { ledgerRepo, type LedgerRepo } from './repos/ledger.js';
import { orgRepo, type OrgRepo } from './repos/orgs.js';
import { profileRepo, type ProfileRepo } from './repos/profiles.js';
import { organizerRepo, type OrganizerRepo } from './repos/organizer.js';
import { settingsRepo, type SettingsRepo } from './repos/settings.js';
import { transcriptRepo, type TranscriptRepo } from './repos/transcripts.js';
import { videoRepo, type VideoRepo } from './repos/videos.js';
import { webhookRepo, type WebhookRepo } from './repos/webhooks.js';
import { workflowRepo, type WorkflowRepo } from './repos/workflows.js';
import type { Database } from './schema.js';

export interface Repos {
  readonly orgs: OrgRepo;
  readonly ledger: LedgerRepo;
  readonly apps: AppRepo;
  readonly hubs: HubRepo;
  readonly settings: SettingsRepo;
  readonly events: EventRepo;
  readonly community: CommunityRepo;
  readonly discussions: DiscussionRepo;
  readonly conversations: ConversationRepo;
  readonly profiles: ProfileRepo;
  readonly broadcasts: BroadcastRepo;
  readonly workflows: WorkflowRepo;
  readonly documents: DocumentRepo;
  readonly organizer: OrganizerRepo;
  readonly videos: VideoRepo;
  readonly transcripts: TranscriptRepo;
  readonly idempotency: IdempotencyRepo;
  readonly cleanup: CleanupRepo;
  readonly webhooks: WebhookRepo;
  readonly consoleSessions: ConsoleSessionRepo;
}

const PING_TIMEOUT_MS = 1_000;

/** Called after a transaction that appended events has committed, with those events in append order. */
export type CommitListener = (events: readonly EventRow[]) => void;

export interface Storage extends Repos {
  readonly driver: Driver;
  readonly location: string;
  /**
   * Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. Inside
   * `fn` use only `tx`: on SQLite a query outside it waits for the transaction's connection. The first
   * transaction of a request made with an Idempotency-Key commits later, with the request's answer
   * (idempotency-claim.ts); the request's later transactions join it.
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Registers a listener for committed events (the relay that wakes the bus). */
  onCommit(listener: CommitListener): void;
  /** Hears NOTIFYs on `channel` from every node (PostgreSQL); on SQLite there is no other node to hear. */
  listen(channel: string, onNotify: () => void): Listening;
  migrate(): Promise<MigrationReport>;
  /**
   * True when the database answers a trivial query within `timeoutMs` (a free connection included): by
   * default a second, so that a readiness probe answers promptly whatever the database does.
   */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
  /**
   * From now on, keeps the answers of writes made with an Idempotency-Key sealed under a key derived
   * from `serverSecret` (an answer may show a secret once). Called once the token secret is known,
   * which may be kept in this very storage; until then answers are kept as sent.
   */
  sealAnswers(serverSecret: string): void;
  /** The query builder, for modules that add their own repositories. */
  readonly db: Kysely<Database>;
}

/** What a repository is made from: the connection (or transaction) and how compiled queries run on it. */
interface RepoContext {
  readonly db: Kysely<Database>;
  readonly driver: Driver;
  readonly runner: QueryRunner;
  /** Set inside a transaction: it collects the events the transaction appends. */
  readonly appended?: EventRow[];
  /** Set outside transactions: hubs read before (they never change). */
  readonly knownHubs?: KnownHubs;
  /** How long an Idempotency-Key is remembered. */
  readonly idempotencyRetentionMs?: number;
  /** The box recorded answers are sealed in, shared by every context of the storage. */
  readonly answerSeal: AnswerSeal;
}

const FACTORIES: { readonly [K in keyof Repos]: (c: RepoContext) => Repos[K] } = {
  orgs: (c) => orgRepo(c.db),
  ledger: (c) => ledgerRepo(c.db),
  apps: (c) => appRepo(c.db),
  hubs: (c) => hubRepo(c.db, c.runner, c.knownHubs),
  settings: (c) => settingsRepo(c.db),
  events: (c) => eventRepo(c.db, c.driver, c.appended, c.runner),
  community: (c) => communityRepo(c.db),
  discussions: (c) => discussionRepo(c.db),
  conversations: (c) => conversationRepo(c.db),
  profiles: (c) => profileRepo(c.db),
  broadcasts: (c) => broadcastRepo(c.db),
  workflows: (c) => workflowRepo(c.db, c.driver),
  documents: (c) => documentRepo(c.db, c.runner),
  organizer: (c) => organizerRepo(c.db),
  videos: (c) => videoRepo(c.db),
  transcripts: (c) => transcriptRepo(c.db),
  idempotency: (c) => idempotencyRepo(c.db, c.idempotencyRetentionMs, c.answerSeal),
  cleanup: (c) => cleanupRepo(c.db, c.driver),
  webhooks: (c) => webhookRepo(c.db, c.driver),
  consoleSessions: (c) => consoleSessionRepo(c.db),
};
const REPO_NAMES = Object.keys(FACTORIES) as (keyof Repos)[];

/** Every repository, made at once: the storage's own, made once. */
function createRepos(context: RepoContext): Repos {
  return Object.fromEntries(REPO_NAMES.map((name) => [name, FACTORIES[name](context)])) as unknown as Repos;
}

/**
 * A transaction's repositories, each made on first use: a transaction touches one or two of them, and
 * making all twenty (a few hundred closures) cost more than the publish it wrapped.
 */
const LAZY_REPOS: object = Object.create(null, Object.fromEntries(REPO_NAMES.map((name): [string, PropertyDescriptor] => [name, {
  enumerable: true,
  get(this: { readonly context: RepoContext }) {
    const repo = FACTORIES[name](this.context);
    Object.defineProperty(this, name, { value: repo, enumerable: true });
    return repo;
  },
}])));

function lazyRepos(context: RepoContext): Repos {
  return Object.assign(Object.create(LAZY_REPOS) as object, { context }) as unknown as Repos;
}

/** How long a request's claiming transaction waits for its answer before committing without it. */
const ANSWER_WAIT_MS = 5000;
const LATE = Symbol('late');
/** Thrown to roll back a change whose request failed after making it (a 5xx): its key stays free. */
const ROLLED_BACK = new Error('the request failed after its change: rolled back');

export interface StorageOptions extends Partial<PostgresBounds> {
  /** How long an Idempotency-Key is remembered (CAPSTAN_IDEMPOTENCY_RETENTION_SECONDS); 24 h by default. */
  readonly idempotencyRetentionMs?: number;
}

/** The storage's options from the configuration's fields of the same meaning. */
export function storageOptionsOf(config: PostgresBounds & { readonly idempotencyRetentionSeconds: number }): StorageOptions {
  return {
    idempotencyRetentionMs: config.idempotencyRetentionSeconds * 1000,
    databaseConnectTimeoutMs: config.databaseConnectTimeoutMs,
    databaseQueryTimeoutMs: config.databaseQueryTimeoutMs,
  };
}

export function openStorage(databaseUrl: string | null, dataDir: string, options: StorageOptions = {}): Storage {
  const bounds: PostgresBounds = {
    databaseConnectTimeoutMs: options.databaseConnectTimeoutMs ?? DEFAULT_POSTGRES_BOUNDS.databaseConnectTimeoutMs,
    databaseQueryTimeoutMs: options.databaseQueryTimeoutMs ?? DEFAULT_POSTGRES_BOUNDS.databaseQueryTimeoutMs,
  };
  const connection = connect(databaseUrl, dataDir, bounds);
  const { driver, db, location, sqlite } = connection;
  const answerSeal: AnswerSeal = {};
  const keyContext = { answerSeal, ...(options.idempotencyRetentionMs === undefined ? {} : { idempotencyRetentionMs: options.idempotencyRetentionMs }) };
  const listeners: CommitListener[] = [];
  const reader = sqlite && new SqliteStatements(sqlite.reader, () => sqlite.snapshot.beforeRead());
  const writer = sqlite && new SqliteStatements(sqlite.writer);
  const rootRunner = new QueryRunner(db, { reader });
  let closed = false;
  const repos = createRepos({ db, driver, runner: rootRunner, knownHubs: new KnownHubs(), ...keyContext });
  const idempotencyRoot = repos.idempotency;

  /** Transactions held open for their request's answer: the request's later transactions join them. */
  const held = new WeakMap<ClaimState, Repos>();

  async function transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    const claim = pendingClaim();
    const open = claim && held.get(claim);
    if (open) return fn(open);
    if (claim?.holdsForAnswer) return committingWithAnswer(claim, fn);
    const appended: EventRow[] = [];
    const result = await db.transaction().execute(async (trx) => {
      // The transaction holds the writing connection: its compiled queries run on it directly.
      const tx = lazyRepos({ db: trx, driver, runner: new QueryRunner(trx, { writer }), appended, ...keyContext });
      if (claim) await takeClaim(tx, claim);
      return fn(tx);
    });
    if (claim) claim.committed = true;
    if (appended.length > 0) announce(appended);
    return result;
  }

  async function takeClaim(tx: Repos, state: ClaimState): Promise<void> {
    const { scope, key, requestHash } = state.claim;
    const saved = await tx.idempotency.save({ scope, key, request_hash: requestHash, status_code: 0, response: '', created_at: new Date().toISOString() });
    if (!saved) throw idempotencyInProgress();
  }

  /**
   * The transaction of a request whose answer must commit with its change: once `fn` is done, its
   * result goes back to the request and the transaction waits for the answer (`commitWith`), stores it
   * and commits. Meanwhile the request's storage calls go through this transaction (reposOfRequest).
   * Should the answer not come within ANSWER_WAIT_MS (code that queries `db` itself would wait for this
   * very connection on SQLite), the change commits alone and its answer is recorded as it is sent.
   */
  function committingWithAnswer<T>(claim: ClaimState, fn: (tx: Repos) => Promise<T>): Promise<T> {
    const { scope, key } = claim.claim;
    let settle!: (error?: unknown) => void;
    const committed = new Promise<void>((ok, fail) => {
      settle = (error) => (error === undefined ? ok() : fail(error));
    });
    committed.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const appended: EventRow[] = [];
      let handedOut = false;
      let late = false;
      db.transaction().execute(async (trx) => {
        const tx = lazyRepos({ db: trx, driver, runner: new QueryRunner(trx, { writer }), appended, ...keyContext });
        await takeClaim(tx, claim);
        const out = await fn(tx);
        const answer = await new Promise<DerivedAnswer | undefined | typeof LATE>((give) => {
          const timer = setTimeout(() => {
            late = true;
            give(LATE);
          }, ANSWER_WAIT_MS);
          held.set(claim, tx);
          claim.commitWith = (given) => {
            claim.commitWith = undefined;
            if (late) return committed.then(() => (given ? idempotencyRoot.complete(scope, key, given.status, given.body) : undefined));
            clearTimeout(timer);
            give(given);
            return committed;
          };
          handedOut = true;
          resolve(out);
        });
        held.delete(claim);
        if (answer === undefined) throw ROLLED_BACK;
        if (answer !== LATE) await tx.idempotency.complete(scope, key, answer.status, answer.body);
      }).then(() => {
        claim.committed = true;
        if (appended.length > 0) announce(appended);
        settle();
      }, (e: unknown) => {
        held.delete(claim);
        if (!handedOut) {
          claim.commitWith = undefined;
          return reject(e);
        }
        settle(e === ROLLED_BACK ? undefined : e);
      });
    });
  }

  function announce(rows: EventRow[]): void {
    for (const listener of listeners) {
      try {
        listener(rows);
      } catch {
        // The change is committed; a failing listener only delays delivery (the feeds catch up).
      }
    }
  }

  /** An event alone: one atomic statement on PostgreSQL (unless a claim must commit with it), else a transaction. */
  async function appendAlone(row: NewEventRow): Promise<EventRow> {
    if (driver !== 'postgres' || pendingClaim()) return transaction((tx) => tx.events.append(row));
    const full = await appendOnPostgres(rootRunner, row);
    announce([full]);
    return full;
  }

  const own: Repos = { ...repos, events: { ...repos.events, append: appendAlone } };
  // A request whose transaction waits for its answer reads and writes through that transaction: it
  // sees its own change, and on SQLite it would otherwise wait for the connection it holds.
  const reposOfRequest = Object.fromEntries(REPO_NAMES.map((name): [string, PropertyDescriptor] => [name, {
    enumerable: true,
    get: () => {
      const claim = pendingClaim();
      return (claim && held.get(claim))?.[name] ?? own[name];
    },
  }]));
  return Object.defineProperties({
    driver,
    location,
    db,
    transaction,
    onCommit: (listener) => void listeners.push(listener),
    listen: (channel, onNotify) => (driver === 'postgres' && databaseUrl ? listenPostgres(databaseUrl, bounds, channel, onNotify) : { close: async () => undefined }),
    // A migration may rewrite a large table, and a node may wait for another's to finish: no query bound.
    migrate: () => connection.unbounded((unboundedDb) => migrateToLatest(unboundedDb as unknown as Kysely<unknown>)),
    sealAnswers: (serverSecret) => void (answerSeal.box = answerBox(serverSecret)),
    ping: (timeoutMs = PING_TIMEOUT_MS) => connection.ping(timeoutMs),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  } satisfies Omit<Storage, keyof Repos>, reposOfRequest) as Storage;
}
