// The storage facade the rest of Capstan uses: repositories over one Kysely query layer, and
// transactions that hand the same repositories bound to the transaction. Events appended in a
// transaction are announced to the commit listeners once it commits (the outbox's relay).
import { sql, type Kysely } from 'kysely';
import { idempotencyInProgress } from '../http/errors.js';
import { connect, type Driver } from './connect.js';
import { pendingClaim } from './idempotency-claim.js';
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
import { idempotencyRepo, type IdempotencyRepo } from './repos/idempotency.js';
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

/** Called after a transaction that appended events has committed, with those events in append order. */
export type CommitListener = (events: readonly EventRow[]) => void;

export interface Storage extends Repos {
  readonly driver: Driver;
  readonly location: string;
  /**
   * Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. Inside
   * `fn` use only `tx`: on SQLite a query outside it waits for the transaction's connection.
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Registers a listener for committed events (the relay that wakes the bus). */
  onCommit(listener: CommitListener): void;
  /** Hears NOTIFYs on `channel` from every node (PostgreSQL); on SQLite there is no other node to hear. */
  listen(channel: string, onNotify: () => void): Listening;
  migrate(): Promise<MigrationReport>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
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
  idempotency: (c) => idempotencyRepo(c.db, c.idempotencyRetentionMs),
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

export interface StorageOptions {
  /** How long an Idempotency-Key is remembered (CAPSTAN_IDEMPOTENCY_RETENTION_SECONDS); 24 h by default. */
  readonly idempotencyRetentionMs?: number;
}

export function openStorage(databaseUrl: string | null, dataDir: string, options: StorageOptions = {}): Storage {
  const { driver, db, location, sqlite } = connect(databaseUrl, dataDir);
  const retention = options.idempotencyRetentionMs === undefined ? {} : { idempotencyRetentionMs: options.idempotencyRetentionMs };
  const listeners: CommitListener[] = [];
  const reader = sqlite && new SqliteStatements(sqlite.reader, () => sqlite.snapshot.beforeRead());
  const writer = sqlite && new SqliteStatements(sqlite.writer);
  const rootRunner = new QueryRunner(db, { reader });
  let closed = false;

  async function transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    const appended: EventRow[] = [];
    const claim = pendingClaim();
    const result = await db.transaction().execute(async (trx) => {
      // The transaction holds the writing connection: its compiled queries run on it directly.
      const tx = lazyRepos({ db: trx, driver, runner: new QueryRunner(trx, { writer }), appended, ...retention });
      if (claim) {
        const { scope, key, requestHash } = claim.claim;
        const saved = await tx.idempotency.save({ scope, key, request_hash: requestHash, status_code: 0, response: '', created_at: new Date().toISOString() });
        if (!saved) throw idempotencyInProgress();
      }
      const out = await fn(tx);
      const answer = claim?.claim.answerFromEvents?.(appended.map((e) => e.id));
      if (claim && answer) await tx.idempotency.complete(claim.claim.scope, claim.claim.key, answer.status, answer.body);
      return out;
    });
    if (claim) claim.committed = true;
    if (appended.length > 0) announce(appended);
    return result;
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

  const repos = createRepos({ db, driver, runner: rootRunner, knownHubs: new KnownHubs(), ...retention });
  return {
    ...repos,
    events: { ...repos.events, append: appendAlone },
    driver,
    location,
    db,
    transaction,
    onCommit: (listener) => void listeners.push(listener),
    listen: (channel, onNotify) => (driver === 'postgres' && databaseUrl ? listenPostgres(databaseUrl, channel, onNotify) : { close: async () => undefined }),
    migrate: () => migrateToLatest(db as unknown as Kysely<unknown>),
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
