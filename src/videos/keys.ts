// Where a developer video's objects live in the blob store: the upload as sent (the seed's s3Key),
// and the rendition and poster made from it, side by side under the video's folder.

export const videoKey = (appId: string, videoId: string): string => `developer/${appId}/${videoId}/result.mp4`;
export const renditionKey = (appId: string, videoId: string): string => `developer/${appId}/${videoId}/play.mp4`;
export const posterKey = (appId: string, videoId: string): string => `developer/${appId}/${videoId}/poster.jpg`;
