/**
 * The help texts of the `openid-rp` command: the overview and one page per subcommand.
 */

export const USAGE = `Usage: openid-rp <command> [options]

Commands:
  discover <issuer>  fetch and validate an issuer's metadata; summarise what it supports
  login              authorization code flow with PKCE through a loopback redirect (RFC 8252)
  token <grant>      client-credentials, refresh, device, ciba, exchange or jwt-bearer
  decode <jwt>       show a JWT's header and claims; --issuer <url> verifies its signature
  demo               run a flow against an embedded OpenID Provider on 127.0.0.1, step by step

  openid-rp <command> --help   the options of one command
  openid-rp --version          the version

Output: --json prints the result as JSON on stdout (docs/cli.md has the schema); human-readable
text goes to stderr. Exit codes: 0 success, 1 the server or the network failed, 2 bad usage.`

const NETWORK = `Connection:
  --allow-http                plain http: URLs for a server not on 127.0.0.1/localhost (test only)
  --ca <pem file>             trust this CA besides the system's
  --insecure-skip-verify      accept any server certificate (test servers only)
  --cert <pem> --key <pem>    client certificate (tls_client_auth, certificate-bound tokens)
  --request-timeout <seconds> how long each request may take (default 30)
Without discovery:
  --server-metadata <json file>   the server's metadata (RFC 8414 members)
  --authorization-endpoint <url> --token-endpoint <url> --jwks-uri <url>
  --userinfo-endpoint <url> --device-authorization-endpoint <url> --par-endpoint <url>
  --json                      the result (or the failure) as JSON on stdout`

const CLIENT = `Client:
  --issuer <url> --client-id <id>       required
  --client-secret <s> | --client-secret-file <path> | env OPENID_RP_CLIENT_SECRET
  --client-auth basic|post|secret-jwt|tls   how the client authenticates (default basic; tls
                                        with --cert/--key and no secret)
  --private-key <file>        private_key_jwt: a PEM key, a JWK or a JWKS (--kid <kid> picks one)
  --alg <alg>                 the key's algorithm when the file does not say (PEM: inferred)
  --assertion-audience <aud>  the "aud" of the client assertion (default: the server's choice)
Request:
  --scope <s> --resource <uri> --audience <aud> --authorization-details <json>  --dpop
Output:
  --json                      the token response exactly as sent, plus "openid_rp" (docs/cli.md)
  --raw, -q                   only the access token, on stdout
  (default)                   a summary on stderr, tokens shortened`

export const HELP = {
  discover: `Usage: openid-rp discover <issuer> [options]

Fetches <issuer>/.well-known/openid-configuration, validates it as the library does (issuer
match, HTTPS) and summarises the endpoints and what the server supports.

${NETWORK}`,
  decode: `Usage: openid-rp decode <jwt> [--issuer <url>] [options]

Shows a JWT's header and claims in full (timestamps also as dates). With --issuer, verifies the
signature with the issuer's JWKS, fetched under the library's rules: https: only (unless the
issuer is on loopback or --allow-http), no redirects, a 30 s deadline.

${NETWORK}`,
  login: `Usage: openid-rp login --issuer <url> --client-id <id> [options]

Runs the authorization code flow with PKCE, state and nonce. Listens for the redirect on the
loopback interface, prints the redirect URI to register and the URL to open, and waits.

Redirect:
  --redirect-uri <uri>        http://127.0.0.1:<port>/<path>, or https://… with a throw-away
                              certificate (the browser warns once); port 0 picks a free one
                              (default http://127.0.0.1:<free port>/callback)
  --redirect-port <n>         http://127.0.0.1:<n>/callback
Without --issuer:
  --resource <url>            find the issuer from the protected resource's metadata (RFC 9728),
                              ask for its scopes and send it as the resource (RFC 8707)
  --no-browser                print the URL only (a browser opens only on a terminal)
  --timeout <seconds>         how long to wait for the redirect (default 300)
Authorization request:
  --par --jar (signed with --private-key) --jarm
  --prompt <p> --max-age <s> --acr-values <v> --claims <json> --id-token-hint <jwt>
  --login-hint <hint> --ui-locales <l>

${CLIENT}

${NETWORK}`,
  token: `Usage: openid-rp token <grant> --issuer <url> --client-id <id> [options]

Grants:
  client-credentials
  refresh      --refresh-token <t> | --refresh-token-file <path> | env OPENID_RP_REFRESH_TOKEN
               (the file may be the saved --json output of login or token)
  device       prints the code to enter, then polls
  ciba         --login-hint <hint> [--binding-message <m>]
  exchange     RFC 8693: --subject-token <t> | --subject-token-file <path>
               [--subject-token-type access_token|id_token|jwt|<urn>] [--actor-token <t>
               --actor-token-type <type>] [--requested-token-type <type>] [--audience <aud>]
  jwt-bearer   RFC 7523: --assertion <jwt> | --assertion-file <path>
  --poll-interval <seconds>   when the server sends no interval (device, ciba; default 5)

${CLIENT}

${NETWORK}`,
  demo: `Usage: openid-rp demo [--profile <name>] [--json]
       openid-rp demo --serve [--port <n>] [--api-port <n>] [--redirect-uri <uri>]

Starts an embedded OpenID Provider (the optional peer dependency oidc-provider) and a protected
API on 127.0.0.1 and runs one flow against them, step by step, showing each request.

  --profile <name>  fapi2 (default), oidc, hybrid, device, ciba, client-credentials, mtls
  --json            the run as JSON on stdout instead of a readable transcript
  --serve           keep the provider and the API running for the other commands (Ctrl-C
                    stops them) and print ready-to-paste discover/login/token/curl commands;
                    --redirect-uri is what client cli-app registers
                    (default http://127.0.0.1:8765/callback)`,
} as const
