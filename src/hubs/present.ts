// Response shapes of the community hub, shared by the member API and the admin API. Tombstones keep
// their ids and times, with `deleted: true` and their text cleared.
import type { Broadcast, Message } from '../storage/index.js';
import type { ConversationView } from './conversations.js';
import type { DiscussionView } from './discussions.js';
import type { ProfileView } from './profiles.js';
import type { SpaceView } from './spaces.js';

export const presentSpace = (v: SpaceView) => ({
  id: v.space.id,
  hub_id: v.space.hub_id,
  name: v.space.name,
  restricted: v.space.restricted === 1,
  segment_ids: v.segmentIds,
  ...(v.joined !== undefined ? { joined: v.joined } : {}),
  ...(v.muted !== undefined ? { muted: v.muted } : {}),
  created_at: v.space.created_at,
  updated_at: v.space.updated_at,
});

export const presentDiscussion = (v: DiscussionView) => ({
  id: v.discussion.id,
  hub_id: v.discussion.hub_id,
  space_id: v.discussion.space_id,
  parent_id: v.discussion.parent_id,
  author_id: v.discussion.author_id,
  title: v.discussion.title,
  body: v.discussion.body,
  locked: v.discussion.locked === 1,
  pinned: v.discussion.pinned === 1,
  deleted: v.discussion.deleted_at !== null,
  reactions: v.reactions,
  my_reactions: v.myReactions,
  created_at: v.discussion.created_at,
  updated_at: v.discussion.updated_at,
  deleted_at: v.discussion.deleted_at,
});

export const presentProfile = (v: ProfileView) => ({
  contact_id: v.contact.id,
  hub_id: v.contact.hub_id,
  name: v.contact.name,
  role: v.contact.role,
  bio: v.profile?.bio ?? null,
  avatar_url: v.profile?.avatar_url ?? null,
  updated_at: v.profile?.updated_at ?? v.contact.updated_at,
});

export const presentConversation = (v: ConversationView) => ({
  id: v.conversation.id,
  hub_id: v.conversation.hub_id,
  type: v.conversation.kind,
  name: v.conversation.name,
  created_by: v.conversation.created_by,
  members: v.members.map((m) => ({ contact_id: m.contact_id, joined_at: m.joined_at, last_read_message_id: m.last_read_message_id })),
  created_at: v.conversation.created_at,
  updated_at: v.conversation.updated_at,
});

export const presentMessage = (m: Message) => ({
  id: m.id,
  conversation_id: m.conversation_id,
  author_id: m.author_id,
  body: m.body,
  deleted: m.deleted_at !== null,
  created_at: m.created_at,
  edited_at: m.edited_at,
  deleted_at: m.deleted_at,
});

export const presentBroadcast = (b: Broadcast) => ({ id: b.id, hub_id: b.hub_id, author_id: b.author_id, title: b.title, body: b.body, created_at: b.created_at });
