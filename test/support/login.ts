// The login driver is shared with the `openid-rp demo` command; it lives in src/cli/embedded.
export * from '../../src/cli/embedded/login.ts'
