// Request schema pieces of the community hub, shared by the member API and its admin equivalents.
import { Type, type TSchema } from '@sinclair/typebox';
import { schemas } from '../../http/index.js';

export const tags = ['hub members'];
/** `Authorization: Bearer <contact access token>` minted for this hub (member-auth.ts). */
export const security = [{ contactToken: [] }];

/** Every write of the member API is wrapped by idempotentWrites (src/http/idempotency.ts). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$',
    description: "Applies this write at most once per key (keys are the calling member's own, kept 24 h): a retry with the same key and body gets the first answer again, marked Idempotent-Replayed: true; the same key with another request is 409 idempotency_conflict.",
    examples: ['post-2025-01-31-001'],
  })),
});

/** Response headers of a write that honours an Idempotency-Key. */
const replayHeaders = { 'idempotent-replayed': { type: 'string', enum: ['true'], description: 'Present when this is the recorded answer of an earlier request with the same Idempotency-Key' } };

/** A success answer of a write: its schema, described, with the replay header. */
export const written = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description, headers: replayHeaders });

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
}, { additionalProperties: false, examples: [{ name: 'Lobby' }, { name: 'Insiders', restricted: true, segment_ids: ['seg_h5j8k2l6m9n3b7v1c4xz'] }] });

export const SpacePatchBody = Type.Object({
  name: Type.Optional(schemas.Name),
  restricted: Type.Optional(Type.Boolean()),
  segment_ids: Type.Optional(Type.Array(schemas.Id('Segment id'), { maxItems: 100 })),
}, { additionalProperties: false, minProperties: 1, examples: [{ name: 'Front porch' }, { restricted: false }] });

export const BroadcastBody = Type.Object({ title: schemas.Name, body: Text }, { additionalProperties: false, examples: [{ title: 'Maintenance', body: 'The hub is read-only tonight.' }] });

/** `{data, has_more}`: a page of a list. */
export const pageOf = <T, R>(p: { items: T[]; hasMore: boolean }, present: (item: T) => R) => ({ data: p.items.map(present), has_more: p.hasMore });
