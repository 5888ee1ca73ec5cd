// Who performs a hub action: an active member (its role and segments decide what it may do and see),
// or the operator through the admin API, who may do and see everything.
import { AppError } from '../http/errors.js';
import type { Contact } from '../storage/index.js';

export interface MemberActor {
  readonly kind: 'contact';
  readonly contact: Contact;
  readonly segmentIds: ReadonlySet<string>;
}

export interface AdminActor {
  readonly kind: 'admin';
}

export type Actor = MemberActor | AdminActor;

export const ADMIN: AdminActor = { kind: 'admin' };

const RANK: Readonly<Record<Contact['role'], number>> = { member: 0, moderator: 1, admin: 2 };

export function hasRole(actor: Actor, role: Contact['role']): boolean {
  return actor.kind === 'admin' || RANK[actor.contact.role] >= RANK[role];
}

export function requireRole(actor: Actor, role: Contact['role'], what: string): void {
  if (!hasRole(actor, role)) throw new AppError('forbidden', `Only ${role === 'admin' ? 'admins' : 'moderators and admins'} may ${what}`);
}

/** The contact id to name as the actor in event payloads; null for the admin API. */
export const actorId = (actor: Actor): string | null => (actor.kind === 'contact' ? actor.contact.id : null);

/** Whether `actor` sees a space with this restriction: the same rule the stream's access filter applies. */
export function seesSpace(actor: Actor, restricted: boolean, spaceSegmentIds: readonly string[]): boolean {
  if (actor.kind === 'admin' || !restricted) return true;
  return spaceSegmentIds.some((s) => actor.segmentIds.has(s));
}

export function rank(role: Contact['role']): number {
  return RANK[role];
}
