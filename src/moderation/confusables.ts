/**
 * Look-alike letters folded to the Latin letter they imitate, after lower-casing and compatibility
 * decomposition (so full-width, mathematical and circled forms are already plain Latin by then).
 * A curated subset of Unicode's confusables for the scripts a bypass usually borrows from:
 * Cyrillic, Greek and a few Latin extensions. Kept small on purpose: each entry is a letter
 * people really swap in, not every glyph that resembles another in some font.
 */
export const LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: "a",
  в: "b",
  ь: "b",
  с: "c",
  ԁ: "d",
  е: "e",
  ё: "e",
  ԍ: "g",
  һ: "h",
  н: "h",
  і: "i",
  ї: "i",
  ӏ: "l",
  ј: "j",
  к: "k",
  м: "m",
  п: "n",
  о: "o",
  р: "p",
  ԛ: "q",
  г: "r",
  ѕ: "s",
  т: "t",
  у: "y",
  ү: "y",
  ԝ: "w",
  х: "x",
  // Greek
  α: "a",
  β: "b",
  ε: "e",
  η: "n",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  ω: "w",
  γ: "y",
  μ: "u",
  // Latin extensions
  ı: "i",
  ɩ: "i",
  ȷ: "j",
  ɑ: "a",
  ɡ: "g",
  ʏ: "y",
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  đ: "d",
  ł: "l",
};

/**
 * Capitals whose look-alike differs from their lower case's (Greek Ν looks like N, its ν like v;
 * Cyrillic Н like H, its н less so): consulted before lower-casing.
 */
export const CAPITAL_LOOKALIKES: Readonly<Record<string, string>> = {
  Α: "a",
  Β: "b",
  Ε: "e",
  Ζ: "z",
  Η: "h",
  Ι: "i",
  Κ: "k",
  Μ: "m",
  Ν: "n",
  Ο: "o",
  Ρ: "p",
  Τ: "t",
  Υ: "y",
  Χ: "x",
  А: "a",
  В: "b",
  Е: "e",
  К: "k",
  М: "m",
  Н: "h",
  О: "o",
  Р: "p",
  С: "c",
  Т: "t",
  Х: "x",
};

/**
 * Digits and symbols read as letters ("leetspeak"), used for word lists only: a pattern may mean
 * digits (`\d{4}`), a word never does. `1`, `l` and `|` all read as `i`, so one spelling of a
 * word covers the others (the word is folded the same way).
 */
export const LEET: Readonly<Record<string, string>> = {
  "0": "o",
  "1": "i",
  l: "i",
  "|": "i",
  "!": "i",
  "3": "e",
  "4": "a",
  "@": "a",
  "5": "s",
  $: "s",
  "7": "t",
  "+": "t",
  "8": "b",
  "9": "g",
};
