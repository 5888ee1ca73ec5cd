// Takes the poster image of a video: one JPEG frame, at most 1280 pixels wide, shown by the pages
// before playback and by link previews (og:image).
import { stat } from 'node:fs/promises';
import { QUIET, runFfmpeg, type Ffmpeg } from './ffmpeg.js';

/** Where the poster is taken: a tenth of the way in, past a recording's first black frames. */
export const posterTime = (durationSeconds: number): number => Math.round(durationSeconds * 100) / 1000;

/** True when `output` holds a JPEG; a frame that cannot be had at `atSeconds` is taken from the start. */
export async function takePoster(ffmpeg: Ffmpeg, input: string, output: string, atSeconds: number, signal: AbortSignal): Promise<boolean> {
  for (const at of atSeconds > 0 ? [atSeconds, 0] : [0]) {
    await runFfmpeg(ffmpeg, {
      args: [
        ...QUIET, '-y', '-threads', String(ffmpeg.threads), '-ss', at.toFixed(3), '-i', input,
        '-map', '0:V:0', '-frames:v', '1', '-vf', "scale='min(1280,iw)':-2",
        '-pix_fmt', 'yuvj420p', '-q:v', '3', '-f', 'image2', '-c:v', 'mjpeg', output,
      ],
      signal,
    });
    if ((await stat(output).then((s) => s.size, () => 0)) > 0) return true;
  }
  return false;
}
