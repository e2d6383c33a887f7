/**
 * A cold serverless instance as a child process: it builds its Configuration from the state a
 * warm one exported (LEARNED_STATE), imports the JWKS and DPoP nonces, makes one DPoP-bound
 * refresh grant with signature checks, and prints the outcome as one JSON line.
 */
import * as client from 'openid-rp'

const learned = JSON.parse(process.env.LEARNED_STATE!) as client.LearnedState
const config = new client.Configuration(
  learned.metadata,
  process.env.CLIENT_ID!,
  process.env.CLIENT_SECRET!,
)
client.allowInsecureRequests(config)
client.enableNonRepudiationChecks(config)
const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
client.importLearnedState(config, learned, { DPoP })
try {
  const tokens = await client.refreshTokenGrant(config, 'rt-0', undefined, { DPoP })
  process.stdout.write(
    `${JSON.stringify({ sub: tokens.claims()?.sub, tokenType: tokens.token_type })}\n`,
  )
} catch (err) {
  process.stdout.write(
    `${JSON.stringify({ error: `${(err as Error).name}: ${(err as Error).message}` })}\n`,
  )
}
