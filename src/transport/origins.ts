/**
 * Which web pages may open the WebSocket. A browser sends the page's origin with the
 * handshake; without a check, any site a user visits could chat in their name from their
 * browser (cross-site WebSocket hijacking). The page's own origin is always allowed (the
 * request's Host, over http or https, as behind a TLS proxy); `--http-origins` adds more, or
 * `*` allows every origin. A handshake without an Origin comes from a program, not a
 * browser page (roomcast check, a bot): nothing a check could stop, so it is allowed.
 */

export type OriginPolicy =
  { readonly any: true } | { readonly any: false; readonly extra: Set<string> };

/** `--http-origins`: `*`, or origins separated by commas (`https://chat.example.org`). */
export function parseOrigins(setting: string | undefined): OriginPolicy {
  const items = (setting ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.includes('*')) return { any: true };
  return { any: false, extra: new Set(items.map(normalize)) };
}

export function originAllowed(
  policy: OriginPolicy,
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (policy.any || origin === undefined) return true;
  const o = normalize(origin);
  if (host !== undefined && host !== '') {
    const h = host.toLowerCase();
    if (o === `http://${h}` || o === `https://${h}`) return true;
  }
  return policy.extra.has(o);
}

/** Origins compare as browsers serialize them: lower case, no trailing slash. */
function normalize(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}
