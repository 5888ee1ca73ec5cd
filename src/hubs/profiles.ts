// Community profiles: a member's name (its contact name), bio and avatar. Updates reach the whole hub.
import { AppError } from '../http/errors.js';
import type { Contact, ContactProfile, Storage } from '../storage/index.js';
import { nowIso } from '../util/time.js';
import type { MemberActor } from './actor.js';
import type { HubService } from './service.js';

export interface ProfileView {
  readonly contact: Contact;
  readonly profile: ContactProfile | undefined;
}

export interface ProfilePatch {
  readonly name?: string;
  readonly bio?: string | null;
  readonly avatarUrl?: string | null;
}

export class ProfileService {
  constructor(
    private readonly storage: Storage,
    private readonly hubs: HubService,
  ) {}

  /** An active member's profile; banned, removed or unknown contacts are 404. */
  async get(hubId: string, contactId: string): Promise<ProfileView> {
    const contact = await this.hubs.activeContact(hubId, contactId);
    if (!contact) throw new AppError('not_found', 'Contact not found');
    return { contact, profile: await this.storage.profiles.get(contact.id) };
  }

  async update(hubId: string, member: MemberActor, patch: ProfilePatch): Promise<ProfileView> {
    const id = member.contact.id;
    const current = await this.storage.profiles.get(id);
    const profile: ContactProfile = {
      contact_id: id,
      bio: patch.bio !== undefined ? patch.bio : (current?.bio ?? null),
      avatar_url: patch.avatarUrl !== undefined ? patch.avatarUrl : (current?.avatar_url ?? null),
      updated_at: nowIso(),
    };
    await this.hubs.change(hubId, async (tx, emit) => {
      await tx.profiles.save(profile, patch.name);
      await emit('community.profile.updated', {}, { contact_id: id, hub_id: hubId });
    });
    return this.get(hubId, id);
  }
}
