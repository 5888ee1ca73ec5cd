// The storage facade the rest of Capstan uses: repositories over one Kysely query layer, and
// transactions that hand the same repositories bound to the transaction.
import { sql, type Kysely } from 'kysely';
import { connect, type Driver } from './connect.js';
import { migrateToLatest, type MigrationReport } from './migrate.js';
import { appRepo, type AppRepo } from './repos/apps.js';
import { broadcastRepo, type BroadcastRepo } from './repos/broadcasts.js';
import { communityRepo, type CommunityRepo } from './repos/community.js';
import { conversationRepo, type ConversationRepo } from './repos/conversations.js';
import { discussionRepo, type DiscussionRepo } from './repos/discussions.js';
import { documentRepo, type DocumentRepo } from './repos/documents.js';
import { eventRepo, type EventRepo } from './repos/events.js';
import { hubRepo, type HubRepo } from './repos/hubs.js';
import { ledgerRepo, type LedgerRepo } from './repos/ledger.js';
import { orgRepo, type OrgRepo } from './repos/orgs.js';
import { profileRepo, type ProfileRepo } from './repos/profiles.js';
import { organizerRepo, type OrganizerRepo } from './repos/organizer.js';
import { settingsRepo, type SettingsRepo } from './repos/settings.js';
import { videoRepo, type VideoRepo } from './repos/videos.js';
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
}

export interface Storage extends Repos {
  readonly driver: Driver;
  readonly location: string;
  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  migrate(): Promise<MigrationReport>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** The query builder, for modules that add their own repositories. */
  readonly db: Kysely<Database>;
}

export function createRepos(db: Kysely<Database>, driver: Driver): Repos {
  return {
    orgs: orgRepo(db),
    ledger: ledgerRepo(db),
    apps: appRepo(db),
    hubs: hubRepo(db),
    settings: settingsRepo(db),
    events: eventRepo(db),
    community: communityRepo(db),
    discussions: discussionRepo(db),
    conversations: conversationRepo(db),
    profiles: profileRepo(db),
    broadcasts: broadcastRepo(db),
    workflows: workflowRepo(db, driver),
    documents: documentRepo(db),
    organizer: organizerRepo(db),
    videos: videoRepo(db),
  };
}

export function openStorage(databaseUrl: string | null, dataDir: string): Storage {
  const { driver, db, location } = connect(databaseUrl, dataDir);
  let closed = false;
  return {
    ...createRepos(db, driver),
    driver,
    location,
    db,
    transaction: (fn) => db.transaction().execute((trx) => fn(createRepos(trx, driver))),
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
