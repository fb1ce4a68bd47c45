/**
 * Broker URLs, apart from the HTTP client: the CLI checks `--brokers` with this before it loads
 * undici and the contract's schemas, so a mistyped URL is refused at once.
 */

/**
 * Checks a broker's base URL: http(s), no credentials, no query; a trailing `/admin` is dropped.
 * Throws a one-line error.
 */
export function parseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`not a broker URL: "${raw}" (expected e.g. http://broker1:8080)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `not a broker URL: "${raw}" (the scheme must be http or https, e.g. http://broker1:8080)`,
    );
  }
  if (url.username || url.password) {
    throw new TypeError(`broker URL must not hold credentials: pass the token with --token-file instead`);
  }
  if (url.search || url.hash) throw new TypeError(`broker URL must not have a query or fragment: "${raw}"`);
  // Every call's path starts with /admin or /health: a URL copied with /admin at its end is the
  // broker's base URL, not a prefix that would make /admin/admin/....
  return `${url.origin}${url.pathname.replace(/\/+$/, "").replace(/\/admin$/, "")}`;
}
