// Response schemas of the admin hub management routes: published events, segments, spaces, mutes,
// discussions and broadcasts, as src/hubs/present.ts and hub-routes.ts write them for the operator
// (who never joins a space, so spaces carry no joined/muted flags and discussions no own reactions).
import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp } from './schemas.js';

const T0 = '2025-01-31T12:00:00.000Z';
const HUB = 'hub_Pl9oKi8uJy7hGt6fRd5e';
const SPACE = 'spc_Gh7jK5lM3nB1vC9xZ8aS';
const SEGMENT = 'seg_Rt6yU4iO2pL0kJ8hG7fD';
const CONTACT = 'ct_Mn3bVc2xZl1kJh0gFd9s';

export const PublishedEvent = Type.Object({
  id: Type.String({ description: 'The event\'s id (a UUIDv7): its position in the hub stream, usable as Last-Event-ID' }),
}, { examples: [{ id: '01948f3a-7b2c-7d4e-8f10-2a3b4c5d6e7f' }] });

export const Segment = Type.Object({
  id: Type.String({ description: 'Segment id (seg_…)' }),
  hub_id: Type.String({ description: 'Hub id' }),
  name: Type.String(),
  created_at: Timestamp,
}, { examples: [{ id: SEGMENT, hub_id: HUB, name: 'Subscribers', created_at: T0 }] });

const spaceFields = {
  id: Type.String({ description: 'Space id (spc_…)' }),
  hub_id: Type.String({ description: 'Hub id' }),
  name: Type.String(),
  restricted: Type.Boolean({ description: 'A restricted space is visible only to contacts in one of its segments' }),
  segment_ids: Type.Array(Type.String(), { description: 'The segments granted a restricted space' }),
  created_at: Timestamp,
};
const spaceExample = { id: SPACE, hub_id: HUB, name: 'Lobby', restricted: true, segment_ids: [SEGMENT], created_at: T0 };

export const SpaceCreated = Type.Object(spaceFields, { examples: [spaceExample] });

export const Space = Type.Object({ ...spaceFields, updated_at: Timestamp }, { examples: [{ ...spaceExample, updated_at: T0 }] });

export const SpacePage = Type.Object({
  data: Type.Array(Space),
  has_more: Type.Boolean({ description: 'Whether a page follows (ask again with offset + limit)' }),
}, { examples: [{ data: [{ ...spaceExample, updated_at: T0 }], has_more: false }] });

export const ContactSegments = Type.Object({
  contact_id: Type.String({ description: 'Contact id' }),
  segment_ids: Type.Array(Type.String(), { description: 'The contact\'s segments now' }),
}, { examples: [{ contact_id: CONTACT, segment_ids: [SEGMENT] }] });

export const MuteState = Type.Object({
  space_id: Type.String({ description: 'Space id' }),
  contact_id: Type.String({ description: 'Contact id' }),
  muted: Type.Boolean(),
}, { examples: [{ space_id: SPACE, contact_id: CONTACT, muted: true }] });

export const Discussion = Type.Object({
  id: Type.String({ description: 'Discussion id (dsc_…)' }),
  hub_id: Type.String({ description: 'Hub id' }),
  space_id: Type.String({ description: 'Space id' }),
  parent_id: Nullable(Type.String({ description: 'On a reply: the discussion replied to' })),
  author_id: Type.String({ description: 'The contact who wrote it' }),
  title: Nullable(Type.String({ description: 'Null on replies and tombstones' })),
  body: Nullable(Type.String({ description: 'Null on tombstones' })),
  locked: Type.Boolean(),
  pinned: Type.Boolean(),
  deleted: Type.Boolean({ description: 'A tombstone: its title and body are cleared' }),
  reactions: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), { description: 'Count per reaction key' }),
  my_reactions: Type.Array(Type.String(), { description: 'The acting member\'s reactions: always empty for the operator' }),
  created_at: Timestamp,
  updated_at: Timestamp,
  deleted_at: Nullable(Timestamp),
}, {
  examples: [{
    id: 'dsc_Lk8jH6gF4dS2aQ0wE9rT', hub_id: HUB, space_id: SPACE, parent_id: null, author_id: CONTACT, title: 'Hello', body: 'First post',
    locked: true, pinned: false, deleted: false, reactions: { thumbsup: 2 }, my_reactions: [], created_at: T0, updated_at: T0, deleted_at: null,
  }],
});

export const Broadcast = Type.Object({
  id: Type.String({ description: 'Broadcast id (brd_…)' }),
  hub_id: Type.String({ description: 'Hub id' }),
  author_id: Nullable(Type.String({ description: 'The admin contact who published it; null through the admin API' })),
  title: Type.String(),
  body: Type.String(),
  created_at: Timestamp,
}, { examples: [{ id: 'brd_Yt5rE3wQ1aZ9xS7dC5vF', hub_id: HUB, author_id: null, title: 'Maintenance tonight', body: 'The hub is read-only from 22:00 to 22:30 UTC.', created_at: T0 }] });
