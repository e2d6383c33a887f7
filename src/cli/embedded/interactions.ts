/**
 * The embedded provider's headless interactions: login and consent finished for the one account
 * without a page, a `?deny` switch for refusals, and the error and auto-submit pages it renders.
 */
import type * as http from 'node:http'
import type { AccountClaims, default as ProviderClass } from 'oidc-provider'

/** Path under which the interaction handler is mounted (the provider's default interaction URL). */
export const interactionPath = '/interaction/'

/** Finishes the pending interaction: logs `account` in, grants what consent asks, or denies. */
export async function finishInteraction(
  provider: ProviderClass,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  account: AccountClaims,
): Promise<void> {
  const details = await provider.interactionDetails(req, res)
  const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams
  if (query.has('deny')) {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User denied the request' },
      { mergeWithLastSubmission: false },
    )
    return
  }
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub, amr: ['pwd'], remember: true } },
      { mergeWithLastSubmission: false },
    )
    return
  }
  if (details.prompt.name !== 'consent') {
    throw new Error(`unexpected interaction prompt ${details.prompt.name}`)
  }
  const accountId = details.session?.accountId ?? account.sub
  const clientId = String(details.params.client_id)
  const grant =
    (details.grantId && (await provider.Grant.find(details.grantId))) ||
    new provider.Grant({ accountId, clientId })
  const missing = details.prompt.details as {
    missingOIDCScope?: string[]
    missingOIDCClaims?: string[]
    missingResourceScopes?: Record<string, string[]>
  }
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '))
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims)
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '))
  }
  const grantId = await grant.save()
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  )
}

/** The provider's error page: each field of `out` in its own element, escaped. */
export function errorPage(out: Record<string, string>): string {
  const fields = Object.entries(out)
    .map(([name, value]) => `<pre id="${escapeHtml(name)}">${escapeHtml(String(value))}</pre>`)
    .join('\n')
  return `<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Error</h1>${fields}</body></html>`
}

/** A page that submits its one form on load (the logout confirmation). */
export function autoSubmitPage(title: string, form: string): string {
  return `<!DOCTYPE html><html><head><title>${escapeHtml(title)}</title>
<script>document.addEventListener('DOMContentLoaded', function () { document.forms[0].submit() })</script>
</head><body>${form}</body></html>`
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}
