/**
 * What a caller hears, provider-neutral: every prompt by key, with Dutch defaults. A municipality may
 * replace any text and, per prompt, give a recording to play instead of synthesised speech.
 */

export const DUTCH_PROMPTS = {
  welcome: 'Welkom bij Veilig bellen. Een ogenblik, uw code wordt gecontroleerd.',
  retry: 'Deze code is niet geldig. Toets de code van tien cijfers opnieuw in.',
  noCode: 'Er is geen code ontvangen.',
  giveUp: 'De code is niet herkend. Bel opnieuw vanuit de Yivi-app. Tot ziens.',
  limited: 'U heeft te vaak een onjuiste code gebruikt. Probeer het later opnieuw. Tot ziens.',
  closed: 'Wij zijn op dit moment gesloten. Belt u ons alstublieft tijdens de openingstijden. Tot ziens.',
  verified: 'Dank u, uw gegevens zijn ontvangen. U wordt zo snel mogelijk doorverbonden met een medewerker.',
  hold: 'Een ogenblik geduld alstublieft. U bent in de wacht.',
  connecting: 'U wordt nu doorverbonden met een medewerker.',
  agentMissed:
    'De medewerker kan uw gesprek nu niet aannemen. U blijft in de wacht en wordt als eerste geholpen.',
  queueFull: 'Alle medewerkers zijn in gesprek en de wachtrij is vol. Belt u later opnieuw. Tot ziens.',
  released: 'Wij kunnen uw gesprek nu niet aannemen. Belt u later opnieuw vanuit de Yivi-app. Tot ziens.',
  failure: 'Er is een technische storing. Probeert u het later opnieuw. Tot ziens.',
} as const;

export type PromptKey = keyof typeof DUTCH_PROMPTS;

export const PROMPT_KEYS = Object.keys(DUTCH_PROMPTS) as PromptKey[];

/** A municipality's choices; what it leaves out falls back to the Dutch defaults. */
export interface PromptSettings {
  /** Replacement texts by prompt. */
  texts?: Partial<Record<PromptKey, string>>;
  /** `https:` URLs of recordings (MP3/WAV) to play instead of speaking the prompt. */
  recordings?: Partial<Record<PromptKey, string>>;
}

/** One prompt, resolved: a recording to play, or a text to speak. */
export type Prompt = { kind: 'recording'; url: string } | { kind: 'text'; text: string };

/** Resolves a prompt for a municipality: its recording, else its text, else the Dutch default. */
export function resolvePrompt(settings: PromptSettings | null | undefined, key: PromptKey): Prompt {
  const url = settings?.recordings?.[key];
  if (url) return { kind: 'recording', url };
  return { kind: 'text', text: settings?.texts?.[key] ?? DUTCH_PROMPTS[key] };
}

const MAX_PROMPT_LENGTH = 500;

/** What is wrong with a municipality's prompt texts and recordings (unknown keys, empty or long texts, non-https URLs). */
export function promptSettingsProblems(settings: PromptSettings): string[] {
  const problems: string[] = [];
  for (const [field, entries] of [
    ['texts', settings.texts],
    ['recordings', settings.recordings],
  ] as const) {
    if (entries === undefined) continue;
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      problems.push(`${field}: an object of prompt key → value`);
      continue;
    }
    for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
      if (!(PROMPT_KEYS as string[]).includes(key))
        problems.push(`${field}.${key}: unknown prompt (known: ${PROMPT_KEYS.join(', ')})`);
      else if (typeof value !== 'string' || !value.trim() || value.length > MAX_PROMPT_LENGTH)
        problems.push(`${field}.${key}: 1–${MAX_PROMPT_LENGTH} characters`);
      else if (field === 'recordings' && !/^https:\/\/[^\s]+$/.test(value))
        problems.push(`${field}.${key}: an https:// URL of an MP3 or WAV file`);
    }
  }
  return problems;
}
