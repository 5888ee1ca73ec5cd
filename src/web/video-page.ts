// The pages a person opens from a developer video's shareUrl and embedUrl: small, self-contained HTML
// (no script, no CDN) around a <video> element that streams the rendition with HTTP Range requests.
// Every page says where the video stands: uploading, processing, failed (and why), or playing.

import { isPlainHost } from '../util/hosts.js';

export type VideoPageState = 'uploading' | 'processing' | 'ready' | 'failed';

/** What the embed page takes from its URL, named as Cap's embed SDK (`createEmbedUrl`) names them. */
export interface EmbedOptions {
  readonly autoplay: boolean;
  /** A hex color (`#6366f1`), or absent. */
  readonly accent?: string;
  /** An http(s) URL of the embedder's logo, or absent. */
  readonly logo?: URL;
}

export interface VideoPageInput {
  readonly title: string;
  readonly state: VideoPageState;
  /** The stable reason of a failed video (not_a_video, truncated, …). */
  readonly failure?: string;
  /** Same-origin paths of what the page plays and shows, when the video is ready. */
  readonly mediaPath?: string;
  readonly mediaType?: string;
  readonly posterPath?: string;
  /** Same-origin path of the captions (WebVTT), when the video has a transcript. */
  readonly captionsPath?: string;
  readonly width?: number;
  readonly height?: number;
  /** Absolute URLs, for link previews (Open Graph) and the embed snippet. */
  readonly publicUrl: string;
  readonly shareUrl: string;
  readonly embedUrl: string;
  /** The embed page's options; absent for the share page. */
  readonly embed?: EmbedOptions;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/**
 * Nothing runs on these pages and nothing is fetched but the video, its poster, its captions and,
 * on an embed page given one, the embedder's logo (`logoOrigin`).
 */
export function videoPageCsp(logoOrigin?: string): string {
  return `default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:${logoOrigin ? ` ${logoOrigin}` : ''}; base-uri 'none'; form-action 'none'`;
}

const HEX_COLOR = /^#?([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
const MAX_LOGO_URL = 2048;

/**
 * Reads the embed URL's options strictly: a value that is not exactly what is expected is ignored
 * (the player still plays), so nothing from the URL reaches the page but a hex color and a parsed
 * http(s) URL.
 */
export function embedOptions(query: EmbedQuery): EmbedOptions {
  const raw = { autoplay: single(query.autoplay), accent: single(query.accent), logo: single(query.logo) };
  const accent = raw.accent !== undefined && HEX_COLOR.test(raw.accent) ? `#${raw.accent.replace(/^#/, '').toLowerCase()}` : undefined;
  return { autoplay: raw.autoplay === '1' || raw.autoplay === 'true', ...(accent ? { accent } : {}), ...logoUrl(raw.logo) };
}

type QueryValue = string | readonly string[] | undefined;
export interface EmbedQuery {
  readonly autoplay?: QueryValue;
  readonly accent?: QueryValue;
  readonly logo?: QueryValue;
}

/** An option given once; given twice it means nothing, so it is ignored. */
const single = (value: QueryValue): string | undefined => (typeof value === 'string' ? value : undefined);

// The logo's origin goes into the page's Content-Security-Policy, so its host must be plain.
function logoUrl(raw: string | undefined): { logo?: URL } {
  if (raw === undefined || raw.length > MAX_LOGO_URL || !URL.canParse(raw)) return {};
  const url = new URL(raw);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return {};
  if (!isPlainHost(url.hostname)) return {};
  return { logo: url };
}

/** Failure reasons in plain words, for the person who opened the link. */
const FAILURES: Readonly<Record<string, string>> = {
  not_a_video: 'The uploaded file is not a video.',
  unsupported: 'The uploaded file has no picture, only sound or nothing playable.',
  truncated: 'The uploaded file is incomplete: it ends before the first frame of the video.',
  undecodable: 'The picture in the uploaded file cannot be decoded.',
  insufficient_credits: 'The account it belongs to did not have enough credits to process it.',
  processing_timeout: 'Processing took too long and was stopped.',
  render_failed: 'It could not be converted into a format every browser plays.',
  no_h264_encoder: 'This server cannot convert videos into a format every browser plays.',
  object_missing: 'The uploaded file could not be found.',
  cancelled: 'Processing was cancelled.',
  attempts_exhausted: 'Processing failed again and again, and was given up.',
};

const failureSentence = (reason: string | undefined): string => (reason !== undefined ? FAILURES[reason] : undefined) ?? 'Something went wrong while processing it.';

const SHARE_STYLE = 'body{margin:0;font-family:system-ui,sans-serif;background:#111;color:#eee}main{max-width:960px;margin:0 auto;padding:24px}h1{font-size:1.25rem;font-weight:600;margin:0 0 16px}video{width:100%;background:#000;border-radius:8px}p{color:#aaa}p.failed{color:#f88}code{word-break:break-all}';
const EMBED_STYLE = 'html,body{margin:0;height:100%;background:#000}.frame{position:relative;box-sizing:border-box;height:100%}video{width:100%;height:100%;display:block}p{color:#aaa;font-family:system-ui,sans-serif;text-align:center;margin:40vh 16px 0}p.failed{color:#f88}.logo{position:absolute;top:12px;left:12px;max-height:32px;max-width:30%;pointer-events:none}';

function notice(input: VideoPageInput): string {
  switch (input.state) {
    case 'uploading':
      return '<p>This video is still being uploaded. Reload the page in a moment.</p>';
    case 'processing':
      return '<p>This video is being processed. Reload the page in a moment.</p>';
    default:
      return `<p class="failed">This video could not be processed. ${escapeHtml(failureSentence(input.failure))}</p>`;
  }
}

function player(input: VideoPageInput): string {
  if (input.state !== 'ready' || !input.mediaPath) return notice(input);
  // Browsers start a video by themselves only when it is muted.
  const autoplay = input.embed?.autoplay ? ' autoplay muted' : '';
  const poster = input.posterPath ? ` poster="${escapeHtml(input.posterPath)}"` : '';
  const captions = input.captionsPath ? `<track kind="captions" srclang="en" label="English" src="${escapeHtml(input.captionsPath)}" default>` : '';
  return `<video id="player" controls playsinline preload="metadata"${autoplay}${poster}><source src="${escapeHtml(input.mediaPath)}" type="${escapeHtml(input.mediaType ?? 'video/mp4')}">${captions}</video>`;
}

function openGraph(input: VideoPageInput): string {
  const tags: [string, string][] = [['og:title', input.title], ['og:type', 'video.other'], ['og:url', input.shareUrl]];
  if (input.state === 'ready' && input.mediaPath) {
    tags.push(['og:video', input.publicUrl + input.mediaPath], ['og:video:type', input.mediaType ?? 'video/mp4']);
    if (input.width && input.height) tags.push(['og:video:width', String(input.width)], ['og:video:height', String(input.height)]);
  }
  if (input.state === 'ready' && input.posterPath) tags.push(['og:image', input.publicUrl + input.posterPath]);
  return tags.map(([property, content]) => `<meta property="${property}" content="${escapeHtml(content)}">`).join('');
}

const head = (title: string, style: string, extra = '') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>${extra}<style>${style}</style></head>`;

export function renderVideoPage(input: VideoPageInput): string {
  const title = escapeHtml(input.title);
  if (input.embed) {
    const { accent, logo } = input.embed;
    // Branding only as given: no accent, no logo, nothing of the host's own.
    const style = accent ? `${EMBED_STYLE}.frame{border-top:3px solid ${accent}}video{accent-color:${accent}}` : EMBED_STYLE;
    const logoTag = logo ? `<img class="logo" src="${escapeHtml(logo.href)}" alt="" referrerpolicy="no-referrer">` : '';
    return `${head(title, style)}<body><div class="frame">${player(input)}${logoTag}</div></body></html>\n`;
  }
  const iframe = `<iframe src="${input.embedUrl}" width="640" height="360" frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`;
  return `${head(title, SHARE_STYLE, openGraph(input))}<body><main><h1>${title}</h1>${player(input)}<p>Embed: <code>${escapeHtml(iframe)}</code></p></main></body></html>\n`;
}
