// What the configuration points at beyond its own values (rules files, the transcriber's settings),
// read before storage is opened: a bad one stops the start like any bad option, with exit code 2 and
// one line naming it, and leaves no database behind.
import { ConfigError, type Config } from '../config/index.js';
import type { Logger } from '../http/index.js';
import { loadOrganizerRules, RulesError as OrganizerRulesError, type CompiledRules } from '../organizer/index.js';
import { DEFAULT_RULES, loadRulesFile, mergeRules, RulesError as DocumentRulesError, type DocumentRules } from '../pipelines/documents/index.js';
import type { Ffmpeg, Transcriber } from '../pipelines/videos/index.js';
import { ffmpegFromConfig, transcriberFromConfig } from '../videos/index.js';

export interface ConfiguredParts {
  readonly documentRules: DocumentRules;
  readonly organizerRules: CompiledRules;
  readonly ffmpeg: Ffmpeg;
  readonly transcriber: Transcriber | undefined;
}

/** The rules error as one line under the option's name; anything else (a bug) goes through as it is. */
async function named<T>(env: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof DocumentRulesError) throw new ConfigError(oneLine(`invalid ${env}: ${e.source}: ${e.issues.join('; ')}`));
    if (e instanceof OrganizerRulesError) throw new ConfigError(oneLine(`invalid ${env}: ${e.message}`));
    throw e;
  }
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ');

export async function configuredParts(config: Config, logger: Logger): Promise<ConfiguredParts> {
  const documentRulesFile = config.documentRulesFile;
  const documentRules = documentRulesFile === null ? DEFAULT_RULES : mergeRules(DEFAULT_RULES, await named('CAPSTAN_DOCUMENT_RULES_FILE', () => loadRulesFile(documentRulesFile)));
  const organizerRules = await named('CAPSTAN_ORGANIZER_RULES_FILE', () => loadOrganizerRules(config.organizerRulesFile));
  const ffmpeg = ffmpegFromConfig(config);
  return { documentRules, organizerRules, ffmpeg, transcriber: transcriberFromConfig(config, { ffmpeg, logger }) };
}
