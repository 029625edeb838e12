/**
 * English trustwords: 256 everyday words, one per byte value (index = byte), sorted alphabetically.
 * Constraints (checked by trustwords.spec.ts): lower-case ASCII a–z, 3–8 letters, no word is a prefix of
 * another (so words typed without spaces still split uniquely), every pair differs in at least two letters
 * (Levenshtein ≥ 2: one typo or mishearing never turns one word into another), and no overlap with the
 * other language's list. English words avoid homophones and US/UK spelling variants.
 * The phone shows these words and the portal parses them, so both must ship the same list: never reorder
 * or change words without versioning both sides.
 */
export const EN_WORDS: readonly string[] = Object.freeze([
  'acorn', 'actor', 'album', 'almond', 'anchor', 'angel', 'ankle', 'apple',
  'apron', 'arrow', 'attic', 'avocado', 'bacon', 'badge', 'bagel', 'bakery',
  'balcony', 'bamboo', 'banana', 'banjo', 'barrel', 'basket', 'beetle', 'bench',
  'bicycle', 'biscuit', 'blanket', 'blender', 'bonnet', 'bottle', 'branch', 'brick',
  'bridge', 'broom', 'bubble', 'bucket', 'buckle', 'buffalo', 'button', 'cabbage',
  'cabin', 'cactus', 'camel', 'camera', 'canal', 'candle', 'canoe', 'canvas',
  'canyon', 'carpet', 'carrot', 'castle', 'cement', 'chalk', 'cherry', 'chess',
  'chicken', 'chimney', 'circus', 'cliff', 'clock', 'closet', 'cloud', 'clover',
  'coconut', 'coffee', 'collar', 'comet', 'compass', 'cookie', 'copper', 'coral',
  'cotton', 'cousin', 'cowboy', 'crayon', 'cricket', 'crystal', 'cupcake', 'curtain',
  'cushion', 'daisy', 'dancer', 'diamond', 'dinner', 'doctor', 'dolphin', 'dragon',
  'drawer', 'eagle', 'elbow', 'engine', 'falcon', 'farmer', 'feather', 'fiddle',
  'finger', 'forest', 'fossil', 'frog', 'garden', 'garlic', 'gecko', 'giraffe',
  'glacier', 'glove', 'goblet', 'goose', 'gravy', 'guitar', 'hammer', 'hamster',
  'helmet', 'hippo', 'hockey', 'honey', 'hornet', 'iceberg', 'igloo', 'insect',
  'island', 'jacket', 'jaguar', 'jelly', 'jungle', 'kayak', 'kettle', 'kidney',
  'kitten', 'koala', 'ladder', 'lagoon', 'lantern', 'laptop', 'lemon', 'lobster',
  'magnet', 'mango', 'maple', 'marble', 'meadow', 'medal', 'melon', 'mermaid',
  'monkey', 'muffin', 'museum', 'napkin', 'needle', 'nephew', 'noodle', 'ocean',
  'octopus', 'olive', 'onion', 'orange', 'orchid', 'ostrich', 'oyster', 'paddle',
  'pancake', 'panther', 'parcel', 'pasta', 'peacock', 'peanut', 'pebble', 'pelican',
  'pencil', 'penguin', 'pepper', 'pickle', 'pigeon', 'pillow', 'pilot', 'pirate',
  'planet', 'popcorn', 'potato', 'pretzel', 'pumpkin', 'puppet', 'puzzle', 'quilt',
  'rabbit', 'radish', 'raisin', 'raven', 'ribbon', 'river', 'robot', 'rocket',
  'rooster', 'ruby', 'salad', 'salmon', 'sandal', 'saucer', 'scarf', 'scooter',
  'seagull', 'shark', 'sheep', 'shovel', 'shrimp', 'silver', 'sled', 'slipper',
  'snail', 'snake', 'sofa', 'spider', 'sponge', 'spoon', 'squid', 'stamp',
  'statue', 'sticker', 'stool', 'sugar', 'swan', 'sweater', 'table', 'taco',
  'tadpole', 'teapot', 'tennis', 'thunder', 'ticket', 'tiger', 'toaster', 'tomato',
  'toucan', 'towel', 'trumpet', 'tulip', 'turkey', 'turnip', 'turtle', 'unicorn',
  'valley', 'vase', 'velvet', 'violin', 'volcano', 'waffle', 'wagon', 'wallet',
  'walnut', 'walrus', 'whistle', 'window', 'wizard', 'wombat', 'yarn', 'zipper',
]);
