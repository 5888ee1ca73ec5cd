// Response schemas of the community hub: the resources as src/hubs/present.ts writes them (shared by
// the member API and its admin equivalents), the small acknowledgements of the member routes, and the
// `{data, has_more}` page. Examples follow docs/api.md's resource list.
import { Type, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = (description: string) => Type.String({ format: 'date-time', description, examples: ['2025-01-31T12:00:00.000Z'] });
const T0 = '2025-01-31T12:00:00.000Z';
const T1 = '2025-01-31T12:05:00.000Z';

export const Space = Type.Object({
  id: Type.String({ description: 'Space id' }),
  hub_id: Type.String(),
  name: Type.String(),
  restricted: Type.Boolean({ description: 'Visible only to members in one of segment_ids' }),
  segment_ids: Type.Array(Type.String(), { description: 'The segments whose members see the space when it is restricted' }),
  joined: Type.Optional(Type.Boolean({ description: 'Member API only: whether the calling member joined the space' })),
  muted: Type.Optional(Type.Boolean({ description: 'Member API only, on a single space: whether the calling member is muted there' })),
  created_at: Timestamp('Creation time'),
  updated_at: Timestamp('Last change'),
}, {
  description: 'A space of the hub',
  examples: [{ id: 'spc_4kq9v2m7x1c8b3n6z5wd', hub_id: 'hub_7n2c5x8v1b4m9q3k6wzr', name: 'Lobby', restricted: false, segment_ids: [], joined: true, muted: false, created_at: T0, updated_at: T0 }],
});

export const Discussion = Type.Object({
  id: Type.String({ description: 'Discussion id' }),
  hub_id: Type.String(),
  space_id: Type.String(),
  parent_id: Nullable(Type.String({ description: 'The discussion replied to; null on a top-level discussion' })),
  author_id: Type.String({ description: 'Contact id of the author' }),
  title: Nullable(Type.String({ description: 'Null on replies and on tombstones' })),
  body: Nullable(Type.String({ description: 'Null on tombstones' })),
  locked: Type.Boolean({ description: 'A locked discussion refuses replies and reaction changes (409)' }),
  pinned: Type.Boolean({ description: 'Pinned discussions come first in a space' }),
  deleted: Type.Boolean({ description: 'A tombstone: its title and body are null' }),
  reactions: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), { description: 'Counts by reaction key' }),
  my_reactions: Type.Array(Type.String(), { description: "The calling member's reactions (empty on the admin API)" }),
  created_at: Timestamp('Publication time'),
  updated_at: Timestamp('Last change'),
  deleted_at: Nullable(Timestamp('When it was deleted')),
}, {
  description: 'A discussion, or a reply (parent_id set, no title)',
  examples: [{
    id: 'dsc_z3x6c9v2b5n8m1k4j7hg', hub_id: 'hub_7n2c5x8v1b4m9q3k6wzr', space_id: 'spc_4kq9v2m7x1c8b3n6z5wd', parent_id: null, author_id: 'ct_a8d3f6g9h2j5k1l4m7np',
    title: 'Welcome', body: 'Say hello here', locked: false, pinned: true, deleted: false, reactions: { thumbsup: 2 }, my_reactions: ['thumbsup'],
    created_at: T0, updated_at: T1, deleted_at: null,
  }],
});

export const Profile = Type.Object({
  contact_id: Type.String(),
  hub_id: Type.String(),
  name: Type.String({ description: "The contact's name" }),
  role: Type.Union([Type.Literal('member'), Type.Literal('moderator'), Type.Literal('admin')], { description: "The contact's role in the hub" }),
  bio: Nullable(Type.String()),
  avatar_url: Nullable(Type.String({ description: 'An http(s) URL' })),
  updated_at: Timestamp('Last change of the profile (or of the contact when it has none)'),
}, {
  description: "A member's community profile",
  examples: [{ contact_id: 'ct_a8d3f6g9h2j5k1l4m7np', hub_id: 'hub_7n2c5x8v1b4m9q3k6wzr', name: 'Ada', role: 'member', bio: 'Hello!', avatar_url: 'https://example.com/ada.png', updated_at: T0 }],
});

export const Conversation = Type.Object({
  id: Type.String({ description: 'Conversation id' }),
  hub_id: Type.String(),
  type: Type.Union([Type.Literal('direct'), Type.Literal('group')], { description: 'direct: 1:1 with one other contact and no name; group otherwise' }),
  name: Nullable(Type.String({ description: 'Null on a 1:1' })),
  created_by: Type.String({ description: 'Contact id of the creator' }),
  members: Type.Array(Type.Object({
    contact_id: Type.String(),
    joined_at: Timestamp('When the contact joined the conversation'),
    last_read_message_id: Nullable(Type.String({ description: 'The last message the contact marked read' })),
  })),
  created_at: Timestamp('Creation time'),
  updated_at: Timestamp('Last activity'),
}, {
  description: 'A DM conversation the member belongs to',
  examples: [{
    id: 'cnv_p4o7i1u3y6t9r2e5w8qa', hub_id: 'hub_7n2c5x8v1b4m9q3k6wzr', type: 'direct', name: null, created_by: 'ct_a8d3f6g9h2j5k1l4m7np',
    members: [{ contact_id: 'ct_a8d3f6g9h2j5k1l4m7np', joined_at: T0, last_read_message_id: null }, { contact_id: 'ct_q2w5e8r1t4y7u3i6o9pz', joined_at: T0, last_read_message_id: null }],
    created_at: T0, updated_at: T0,
  }],
});

export const Message = Type.Object({
  id: Type.String({ description: 'Message id' }),
  conversation_id: Type.String(),
  author_id: Type.String({ description: 'Contact id of the author' }),
  body: Nullable(Type.String({ description: 'Null on tombstones' })),
  deleted: Type.Boolean({ description: 'A tombstone: its body is null' }),
  created_at: Timestamp('When it was sent'),
  edited_at: Nullable(Timestamp('Last edit')),
  deleted_at: Nullable(Timestamp('When it was deleted')),
}, {
  description: 'A DM message',
  examples: [{ id: 'msg_l3k6j9h2g5f8d1s4a7zx', conversation_id: 'cnv_p4o7i1u3y6t9r2e5w8qa', author_id: 'ct_a8d3f6g9h2j5k1l4m7np', body: 'Hi!', deleted: false, created_at: T0, edited_at: null, deleted_at: null }],
});

export const Broadcast = Type.Object({
  id: Type.String({ description: 'Broadcast id' }),
  hub_id: Type.String(),
  author_id: Nullable(Type.String({ description: 'The admin contact; null when published through the admin API' })),
  title: Type.String(),
  body: Type.String(),
  created_at: Timestamp('Publication time'),
}, {
  description: 'A broadcast to the whole hub',
  examples: [{ id: 'brd_m9n3b6v1c4x7z2l5k8jq', hub_id: 'hub_7n2c5x8v1b4m9q3k6wzr', author_id: 'ct_a8d3f6g9h2j5k1l4m7np', title: 'Maintenance', body: 'The hub is read-only tonight.', created_at: T0 }],
});

/** `{data, has_more}`: one page of a list. */
export const Page = <T extends TSchema>(item: T, description: string) => Type.Object({
  data: Type.Array(item),
  has_more: Type.Boolean({ description: 'Whether a later page exists (ask again with offset + limit)' }),
}, { description });

export const Success = Type.Object({ success: Type.Literal(true) }, { examples: [{ success: true }] });

export const SpaceJoined = Type.Object({
  space_id: Type.String(),
  contact_id: Type.String(),
  joined_at: Timestamp('When the member joined'),
}, { examples: [{ space_id: 'spc_4kq9v2m7x1c8b3n6z5wd', contact_id: 'ct_a8d3f6g9h2j5k1l4m7np', joined_at: T0 }] });

export const MuteState = Type.Object({
  space_id: Type.String(),
  contact_id: Type.String({ description: 'The member muted or unmuted' }),
  muted: Type.Boolean(),
}, { examples: [{ space_id: 'spc_4kq9v2m7x1c8b3n6z5wd', contact_id: 'ct_q2w5e8r1t4y7u3i6o9pz', muted: true }] });

export const MessageRead = Type.Object({
  conversation_id: Type.String(),
  message_id: Type.String({ description: 'The message marked read (and so everything before it)' }),
  contact_id: Type.String({ description: 'The reader' }),
}, { examples: [{ conversation_id: 'cnv_p4o7i1u3y6t9r2e5w8qa', message_id: 'msg_l3k6j9h2g5f8d1s4a7zx', contact_id: 'ct_q2w5e8r1t4y7u3i6o9pz' }] });
