/** The package version, sent in the `user-agent` header outside browsers. */
export const VERSION = '0.1.0'
