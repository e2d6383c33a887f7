// The rule every suite that needs a system package follows: say why and pass over it outside CI,
// fail under CI=true.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { systemPackage } from '../support/system.ts'

describe('systemPackage()', () => {
  const ci = process.env.CI
  const withCI = (value: string | undefined, run: () => void) => {
    if (value === undefined) delete process.env.CI
    else process.env.CI = value
    try {
      run()
    } finally {
      if (ci === undefined) delete process.env.CI
      else process.env.CI = ci
    }
  }

  it('names the missing command and package outside CI', () =>
    withCI(undefined, () => {
      const reason = systemPackage('not-a-package', ['openid-rp-no-such-command'])
      assert.match(reason!, /not-a-package/)
      assert.match(reason!, /openid-rp-no-such-command/)
    }))

  it('throws under CI=true, so CI fails instead of passing over the suite', () =>
    withCI('true', () => {
      assert.throws(
        () => systemPackage('not-a-package', [], ['/no/such/file']),
        /CI=true.*not-a-package.*\/no\/such\/file/,
      )
    }))

  it('is undefined when every command and file is there', () =>
    withCI('true', () => {
      assert.equal(systemPackage('coreutils', ['sh'], ['/']), undefined)
    }))
})
