/**
 * TLS for the `mtls` demo profile: a throw-away PKI issued with the `openssl` command, and a
 * {@link client.CustomFetch} over `node:https` that presents a client certificate.
 */
import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type * as client from 'openid-rp'
import { nodeFetch } from './net.ts'

export interface Identity {
  key: string
  cert: string
}

export interface DemoPki {
  ca: string
  server: Identity
  client: Identity
}

/** What {@link issuePki} issues: the CA's subject, the server's names and the client certificates. */
export interface PkiRequest<Client extends string> {
  /** The CA's subject, such as `/CN=openid-rp demo CA`. */
  caSubject: string
  /** The server certificate's `subjectAltName`, such as `IP:127.0.0.1`. */
  serverAltName: string
  /** The client certificates to issue: each name with its subject, such as `/CN=mtls-rp`. */
  clients: Record<Client, string>
}

/** A CA, a server certificate and client certificates, each valid for one day, by `openssl`. */
export function issuePki<Client extends string>(
  request: PkiRequest<Client>,
): { ca: string; server: Identity } & Record<Client, Identity> {
  const dir = mkdtempSync(join(tmpdir(), 'openid-rp-demo-pki-'))
  const run = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(
          'the mtls profile issues its certificates with the openssl command; install OpenSSL',
        )
      }
      throw error
    }
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  try {
    run(
      'req',
      '-x509',
      ...ec,
      '-days',
      '1',
      '-subj',
      request.caSubject,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    )
    const leaf = (name: string, subject: string, extensions: string): Identity => {
      writeFileSync(join(dir, `${name}.ext`), extensions)
      run('req', ...ec, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`)
      run(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      )
      return {
        key: readFileSync(join(dir, `${name}.key`), 'utf8'),
        cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
      }
    }
    const server = leaf(
      'server',
      '/CN=127.0.0.1',
      `subjectAltName=${request.serverAltName}\nextendedKeyUsage=serverAuth\n`,
    )
    const clients = {} as Record<Client, Identity>
    for (const [name, subject] of Object.entries<string>(request.clients)) {
      clients[name as Client] = leaf(name, subject, 'extendedKeyUsage=clientAuth\n')
    }
    return { server, ...clients, ca: readFileSync(join(dir, 'ca.crt'), 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A CA valid for one day, a server certificate for 127.0.0.1 and a client certificate `CN=mtls-rp`. */
export function issueDemoPki(): DemoPki {
  return issuePki({
    caSubject: '/CN=openid-rp demo CA',
    serverAltName: 'IP:127.0.0.1',
    clients: { client: '/CN=mtls-rp' },
  })
}

/** The certificate's SHA-256 thumbprint as in a `cnf` claim (`x5t#S256`, RFC 8705). */
export function certificateThumbprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url')
}

/** A fetch over `node:https` that trusts `ca` and presents `identity` when given. */
export function tlsFetch(ca: string, identity?: Identity): client.CustomFetch {
  return nodeFetch({ ca, ...identity })
}
