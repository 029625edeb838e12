/**
 * Dutch trustwords: 256 everyday words, one per byte value (index = byte), sorted alphabetically.
 * Constraints (checked by trustwords.spec.ts): lower-case ASCII a–z, 3–8 letters, no word is a prefix of
 * another (so words typed without spaces still split uniquely), every pair differs in at least two letters
 * (Levenshtein ≥ 2: one typo or mishearing never turns one word into another), and no overlap with the
 * other language's list. Dutch words avoid ij/ei/y and au/ou, which sound alike when read out.
 * The phone shows these words and the portal parses them, so both must ship the same list: never reorder
 * or change words without versioning both sides.
 */
export const NL_WORDS: readonly string[] = Object.freeze([
  'aap', 'aarde', 'abrikoos', 'ananas', 'anker', 'appel', 'arend', 'armband',
  'asbak', 'avond', 'bakker', 'balkon', 'banaan', 'beker', 'berg', 'bezem',
  'blad', 'bliksem', 'bloem', 'boek', 'bonen', 'boom', 'bord', 'borstel',
  'boter', 'brief', 'bril', 'broer', 'brood', 'brug', 'buik', 'cavia',
  'citroen', 'dak', 'deeg', 'deken', 'deur', 'dier', 'dokter', 'donder',
  'dorp', 'draak', 'druif', 'duim', 'eend', 'egel', 'ekster', 'emmer',
  'feest', 'fiets', 'fles', 'fluit', 'gans', 'gebak', 'geluk', 'gitaar',
  'glas', 'groente', 'grot', 'hals', 'hamer', 'haring', 'haven', 'hek',
  'hemd', 'hemel', 'hert', 'heuvel', 'hoed', 'hommel', 'honing', 'hooi',
  'horloge', 'huis', 'inkt', 'jaar', 'jager', 'jas', 'jongen', 'jurk',
  'kaas', 'kabel', 'kachel', 'kalkoen', 'kameel', 'kanarie', 'kano', 'kapper',
  'kapstok', 'karton', 'kasteel', 'kat', 'kers', 'ketel', 'ketting', 'keuken',
  'kikker', 'kip', 'kleur', 'klok', 'knie', 'knoop', 'koe', 'koffer',
  'koffie', 'kool', 'kopje', 'korf', 'kraan', 'krab', 'kroket', 'kroon',
  'kruik', 'kuiken', 'kussen', 'kwal', 'kwast', 'laars', 'lade', 'laken',
  'leeuw', 'lelie', 'lente', 'lepel', 'lied', 'lint', 'lucht', 'maan',
  'mantel', 'markt', 'matras', 'melk', 'meloen', 'merel', 'mes', 'molen',
  'mossel', 'munt', 'muts', 'naald', 'nacht', 'nagel', 'neef', 'neus',
  'noot', 'oceaan', 'olie', 'olifant', 'oor', 'opa', 'orgel', 'paal',
  'paard', 'paraplu', 'peper', 'perzik', 'pinda', 'piraat', 'poes', 'pompoen',
  'pop', 'potlood', 'prins', 'pruim', 'puzzel', 'raam', 'raket', 'regen',
  'ridder', 'riet', 'rits', 'rivier', 'rok', 'roos', 'rups', 'schaap',
  'schaats', 'schelp', 'schip', 'schoen', 'schommel', 'schort', 'schotel', 'schuur',
  'sjaal', 'slak', 'slang', 'slee', 'sleutel', 'slof', 'snavel', 'sneeuw',
  'soep', 'spek', 'spiegel', 'spons', 'spook', 'stad', 'ster', 'stoel',
  'stok', 'strand', 'stroop', 'stuur', 'suiker', 'taart', 'tafel', 'tand',
  'teen', 'thee', 'tol', 'tomaat', 'toren', 'trap', 'trommel', 'trompet',
  'trui', 'tuin', 'tulp', 'uil', 'valk', 'varken', 'veer', 'veld',
  'verf', 'vinger', 'vink', 'viool', 'vis', 'vlag', 'vlieg', 'vlinder',
  'vloer', 'voet', 'vogel', 'vork', 'vulkaan', 'vuur', 'wagen', 'walvis',
  'wekker', 'wesp', 'wiel', 'winkel', 'wolk', 'worst', 'wortel', 'zaag',
  'zadel', 'zalm', 'zeep', 'zolder', 'zomer', 'zon', 'zwaan', 'zwaluw',
]);
