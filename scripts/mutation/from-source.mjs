// Makes a process load openid-rp from its TypeScript sources (through tsx) instead of build/: the
// package's own entry points and the bin's `../build/cli/main.js` resolve to src/. Used by
// `npm run mutate`, where Stryker mutates src/ in a sandbox that never gets a build.
import { register } from 'node:module'

register('./from-source-hooks.mjs', import.meta.url)
