/** Child of the heap measurement: prints the heap bytes per Configuration. */
import {
  clientId,
  clientSecret,
  FakeServer,
  issuer,
  json,
  serverMetadata,
  type Client,
} from './fixtures.ts'

const [name = 'openid-rp', mode = 'constructed', countText = '2000'] = process.argv.slice(2)
const count = Number(countText)
const client = (await import(name)) as Client
const gc = (globalThis as { gc?: () => void }).gc!
const server = new FakeServer()
server.set('GET', `${issuer}/.well-known/openid-configuration`, json(serverMetadata))
const options = { [client.customFetch]: server.fetch as never }
const make = () =>
  mode === 'constructed'
    ? new client.Configuration(serverMetadata as never, clientId, clientSecret)
    : client.discovery(new URL(issuer), clientId, clientSecret, undefined, options)

for (let i = 0; i < 50; i++) await make()
const kept: unknown[] = []
gc()
gc()
const before = process.memoryUsage().heapUsed
for (let i = 0; i < count; i++) kept.push(await make())
gc()
gc()
const after = process.memoryUsage().heapUsed
process.stdout.write(String(Math.round((after - before) / count)))
void kept.length
