// The provider set-up is shared with the `openid-rp demo` command; it lives in src/cli/embedded.
export * from '../../src/cli/embedded/provider.ts'
