// Request schema pieces of the community hub, shared by the member API and its admin equivalents.
import { Type } from '@sinclair/typebox';
import { schemas } from '../../http/index.js';

export const tags = ['hub members'];
export const security = [{ bearer: [] }];

/** Post text: 1–20,000 characters, not only whitespace. */
export const Text = Type.String({ minLength: 1, maxLength: 20_000, pattern: '\\S', description: 'Text: 1–20,000 characters, not only whitespace' });
export const Reaction = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9_+-]+$', description: 'A reaction key such as thumbsup or +1' });
export const Url = Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://\\S+$' });

export const HubParams = Type.Object({ hub_id: schemas.Id('Hub id') });
export const SpaceParams = Type.Object({ hub_id: schemas.Id('Hub id'), space_id: schemas.Id('Space id') });
export const SpaceContactParams = Type.Object({ hub_id: schemas.Id('Hub id'), space_id: schemas.Id('Space id'), contact_id: schemas.Id('Contact id') });
export const DiscussionParams = Type.Object({ hub_id: schemas.Id('Hub id'), discussion_id: schemas.Id('Discussion id') });
export const ReactionParams = Type.Object({ hub_id: schemas.Id('Hub id'), discussion_id: schemas.Id('Discussion id'), reaction: Reaction });
export const ContactParams = Type.Object({ hub_id: schemas.Id('Hub id'), contact_id: schemas.Id('Contact id') });
export const ConversationParams = Type.Object({ hub_id: schemas.Id('Hub id'), conversation_id: schemas.Id('Conversation id') });
export const MessageParams = Type.Object({ hub_id: schemas.Id('Hub id'), conversation_id: schemas.Id('Conversation id'), message_id: schemas.Id('Message id') });

export const ListQuery = Type.Object({ limit: schemas.Limit(20, 100), offset: schemas.Offset });

export const SpaceCreateBody = Type.Object({
  name: schemas.Name,
  restricted: Type.Optional(Type.Boolean()),
  segment_ids: Type.Optional(Type.Array(schemas.Id('Segment id'), { maxItems: 100 })),
}, { additionalProperties: false });

export const SpacePatchBody = Type.Object({
  name: Type.Optional(schemas.Name),
  restricted: Type.Optional(Type.Boolean()),
  segment_ids: Type.Optional(Type.Array(schemas.Id('Segment id'), { maxItems: 100 })),
}, { additionalProperties: false, minProperties: 1 });

export const BroadcastBody = Type.Object({ title: schemas.Name, body: Text }, { additionalProperties: false });

/** `{data, has_more}`: a page of a list. */
export const pageOf = <T, R>(p: { items: T[]; hasMore: boolean }, present: (item: T) => R) => ({ data: p.items.map(present), has_more: p.hasMore });
