/**
 * divergence(): a test may branch on an implementation only for a row of
 * docs/stricter-than-reference.md.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'

import { divergence, type Implementation } from '../support/implementations.ts'

const ours = { name: 'openid-rp' } as Implementation
const reference = { name: 'openid-client' } as Implementation

it('divergence() holds for openid-rp and not for the reference on a documented row', () => {
  assert.equal(divergence(ours, 1), true)
  assert.equal(divergence(reference, 1), false)
})

it('divergence() throws for a row the document does not have', () => {
  assert.throws(() => divergence(ours, 9999), /has no row 9999: document it first/)
  assert.throws(() => divergence(reference, 26), /has no row 26/)
})
