// The event names the SDK knows on the hub and video streams. A frame named otherwise (a type a newer
// server added) reaches the loop as an `unknown` item, so the known types stay exact literals that
// `if (e.type === '…')` can narrow on.
export const HUB_EVENT_TYPES = [
  'community.space.created', 'community.space.updated', 'community.space.deleted',
  'community.space.member_joined', 'community.space.member_left', 'community.space.member_muted', 'community.space.member_unmuted',
  'community.discussion.published', 'community.discussion.updated', 'community.discussion.deleted',
  'community.discussion.locked', 'community.discussion.unlocked', 'community.discussion.pinned', 'community.discussion.unpinned',
  'community.discussion.reaction_added', 'community.discussion.reaction_removed',
  'community.profile.updated',
  'community.conversation.created', 'community.conversation.member_added', 'community.conversation.member_left',
  'community.message.created', 'community.message.edited', 'community.message.deleted', 'community.message.read',
  'community.broadcast.published',
  'test.ping',
] as const;

export const VIDEO_EVENT_TYPES = [
  'video.created', 'video.upload_started', 'video.upload_aborted', 'video.uploaded',
  'video.processing', 'video.ready', 'video.transcription', 'video.failed', 'video.deleted',
] as const;

const hubTypes: ReadonlySet<string> = new Set(HUB_EVENT_TYPES);
const videoTypes: ReadonlySet<string> = new Set(VIDEO_EVENT_TYPES);

export const isHubEventType = (name: string): name is (typeof HUB_EVENT_TYPES)[number] => hubTypes.has(name);
export const isVideoEventType = (name: string): name is (typeof VIDEO_EVENT_TYPES)[number] => videoTypes.has(name);
