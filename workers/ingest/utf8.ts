/** Any UTF-16 unit past ASCII (surrogates included). */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Bytes `text` takes in UTF-8, without encoding it: what Queues count for a JSON message, where
 * `String.length` counts UTF-16 units (a Japanese character is 1 unit but 3 bytes).
 *
 * A surrogate pair (2 units) is 4 bytes; a lone surrogate, which TextEncoder writes as U+FFFD,
 * is 3. The JSON that `JSON.stringify` returns never holds one: it escapes them as `\udXXX`.
 */
export function utf8Length(text: string): number {
  // Most events are ASCII: one native scan answers them, instead of a loop over every unit.
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
      continue;
    }
    bytes += 2;
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
  }
  return bytes;
}
