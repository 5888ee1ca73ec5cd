// The pages a person opens from a developer video's shareUrl and embedUrl: small, self-contained HTML
// (no script, no CDN) around a <video> element that streams the bytes with HTTP Range requests.

export interface VideoPageInput {
  readonly title: string;
  /** URL of the bytes (Range-capable); undefined while the upload has not completed. */
  readonly mediaUrl: string | undefined;
  readonly contentType: string;
  readonly embedUrl: string;
  readonly embed: boolean;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Nothing runs on these pages and nothing is fetched but the video itself. */
export const VIDEO_PAGE_CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

const SHARE_STYLE = 'body{margin:0;font-family:system-ui,sans-serif;background:#111;color:#eee}main{max-width:960px;margin:0 auto;padding:24px}h1{font-size:1.25rem;font-weight:600;margin:0 0 16px}video{width:100%;background:#000;border-radius:8px}p{color:#aaa}code{word-break:break-all}';
const EMBED_STYLE = 'html,body{margin:0;height:100%;background:#000}video{width:100%;height:100%;display:block}p{color:#aaa;font-family:system-ui,sans-serif;text-align:center;margin-top:40vh}';

function player(input: VideoPageInput): string {
  if (!input.mediaUrl) return '<p>This video is still being uploaded. Reload the page in a moment.</p>';
  return `<video id="player" controls playsinline preload="metadata"><source src="${escapeHtml(input.mediaUrl)}" type="${escapeHtml(input.contentType)}"></video>`;
}

export function renderVideoPage(input: VideoPageInput): string {
  const title = escapeHtml(input.title);
  if (input.embed) {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><style>${EMBED_STYLE}</style></head><body>${player(input)}</body></html>\n`;
  }
  const iframe = `<iframe src="${input.embedUrl}" width="640" height="360" frameborder="0" allowfullscreen></iframe>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><style>${SHARE_STYLE}</style></head><body><main><h1>${title}</h1>${player(input)}<p>Embed: <code>${escapeHtml(iframe)}</code></p></main></body></html>\n`;
}
