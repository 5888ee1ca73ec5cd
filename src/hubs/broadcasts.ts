// Broadcasts: admins (members with the admin role, or the admin API) post to the whole hub.
import type { Broadcast, Storage } from '../storage/index.js';
import { newId, uuidv7 } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import { actorId, requireRole, type Actor } from './actor.js';
import { page, type Page } from './paging.js';
import type { HubService } from './service.js';

export class BroadcastService {
  constructor(
    private readonly storage: Storage,
    private readonly hubs: HubService,
  ) {}

  async publish(hubId: string, actor: Actor, title: string, body: string): Promise<Broadcast> {
    requireRole(actor, 'admin', 'publish broadcasts');
    await this.hubs.getHub(hubId);
    const broadcast: Broadcast = { id: newId('brd'), hub_id: hubId, author_id: actorId(actor), title, body, sort_key: uuidv7(), created_at: nowIso() };
    await this.hubs.change(hubId, async (tx, emit) => {
      await tx.broadcasts.create(broadcast);
      await emit('community.broadcast.published', {}, { broadcast_id: broadcast.id, hub_id: hubId });
    });
    return broadcast;
  }

  async list(hubId: string, limit: number, offset: number): Promise<Page<Broadcast>> {
    await this.hubs.getHub(hubId);
    return page(limit, offset, (l, o) => this.storage.broadcasts.list(hubId, l, o));
  }
}
