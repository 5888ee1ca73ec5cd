// Compile-time only: the SDK's hand-written shapes (types.ts) must accept what the server's API
// documents say it sends. The generated types come from docs/openapi.json and docs/asyncapi.json
// (`npm run docs:api`), so a server change that removes a field, renames one or changes its type
// breaks this package's build; a field the server adds does not.
import type { operations } from './generated/openapi.js';
import type * as messages from './generated/asyncapi.js';
import type * as sdk from './types.js';

/** Resolves to true only when every value of Server is also a value of Sdk. */
type Accepts<Sdk, Server> = [Server] extends [Sdk] ? true : false;
type Holds<T extends true> = T;

type Json<Op extends keyof operations, Status extends number> = operations[Op]['responses'] extends infer R
  ? Status extends keyof R
    ? R[Status] extends { content: { 'application/json': infer B } } ? B : never
    : never
  : never;

/** The `data` of a seed-003 envelope. */
type Data<T> = T extends { data: infer D } ? D : never;

export type ContractChecks = [
  // documents
  Holds<Accepts<sdk.UploadResponse, Json<'uploadDocument', 201>>>,
  Holds<Accepts<sdk.DocumentStatus, Json<'getDocumentStatus', 200>>>,
  Holds<Accepts<sdk.DocumentResult, Json<'getDocumentResult', 200>>>,
  Holds<Accepts<sdk.DocumentList, Json<'listDocuments', 200>>>,
  Holds<Accepts<sdk.Credits, Json<'getCredits', 200>>>,
  Holds<Accepts<sdk.RealtimeToken, Json<'createRealtimeToken', 200>>>,
  Holds<Accepts<sdk.DocumentStatus, messages.DocumentsSseStatus>>,
  Holds<Accepts<sdk.DocumentStatus, messages.DocumentsWsStatus>>,
  // organizer
  Holds<Accepts<sdk.OrganizerFile, Json<'getFile', 200>>>,
  Holds<Accepts<sdk.OrganizerFileList, Json<'listFiles', 200>>>,
  Holds<Accepts<sdk.OrganizerFolderList, Json<'listFolders', 200>>>,
  Holds<Accepts<sdk.OrganizerJobDetail, Json<'getJob', 200>>>,
  Holds<Accepts<sdk.OrganizerJobUndone, Json<'undoJob', 200>>>,
  Holds<Accepts<sdk.JobProgressMessage, messages.OrganizerWsJobProgress>>,
  Holds<Accepts<sdk.JobCompleteMessage, messages.OrganizerWsJobComplete>>,
  Holds<Accepts<sdk.FileUploadedMessage, messages.OrganizerWsFileUploaded>>,
  Holds<Accepts<sdk.FileUpdatedMessage, messages.OrganizerWsFileUpdated>>,
  Holds<Accepts<sdk.FileDeletedMessage, messages.OrganizerWsFileDeleted>>,
  Holds<Accepts<sdk.JobUndoneMessage, messages.OrganizerWsJobUndone>>,
  Holds<Accepts<sdk.OrganizerErrorMessage, messages.OrganizerWsError>>,
  Holds<Accepts<sdk.PongMessage, messages.OrganizerWsPong>>,
  // videos
  Holds<Accepts<sdk.Video, Data<Json<'getVideo', 200>>>>,
  Holds<Accepts<sdk.VideoStatus, Data<Json<'getVideoStatus', 200>>>>,
  Holds<Accepts<sdk.VideoUsage, Data<Json<'getVideoUsage', 200>>>>,
  Holds<Accepts<sdk.CreateVideoResponse, Json<'createVideo', 200>>>,
  Holds<Accepts<sdk.VideoEventData, messages.VideoEventsVideoReady>>,
  Holds<Accepts<sdk.VideoEventData, messages.VideoEventsVideoCreated>>,
  // hub: every event's data is an object of ids
  Holds<Accepts<sdk.HubEvent['data'], messages.HubEventsCommunityDiscussionPublished>>,
];
