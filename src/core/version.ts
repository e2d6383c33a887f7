// The package version, on its own so the request layer reads it without package.json.
// core/http.ts sends it in the user-agent header.

/** The package version, sent in the `user-agent` header outside browsers. */
export const VERSION = '0.1.0'
