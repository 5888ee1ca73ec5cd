// Where a developer video's objects live in the blob store: the upload as sent (the seed's s3Key),
// and the rendition and poster made from it, side by side under the video's folder.

export const videoKey = (appId: string, videoId: string): string => `developer/${appId}/${videoId}/result.mp4`;
export const renditionKey = (appId: string, videoId: string): string => `developer/${appId}/${videoId}/play.mp4`;
export const posterKey = (appId: string, videoId: string): string => `developer/${appId}/${videoId}/poster.jpg`;

/** The video whose upload `key` is (its videoKey), or undefined for any other key. */
export function videoIdOfKey(key: string): string | undefined {
  return /^developer\/[^/]+\/([^/]+)\/result\.mp4$/.exec(key)?.[1];
}
