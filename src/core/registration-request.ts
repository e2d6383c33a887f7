/**
 * One dynamic client registration request (RFC 7591) at a known server, into a Configuration;
 * shared by `dynamicClientRegistration` and resource-first discovery.
 */
import * as oauth from 'oauth4webapi'

import { type ClientAuth, type ClientMetadata, Configuration } from './configuration.ts'
import { allowInsecureRequests } from './insecure.ts'
import { DEFAULT_TIMEOUT, perform } from './deadline.ts'
import { transport } from './request.ts'
import type { CustomFetch } from './http.ts'

/** @internal The request options registration reads. */
export interface RegistrationSettings {
  [oauth.customFetch]?: CustomFetch
  execute?: Array<(config: Configuration) => void>
  timeout?: number
  DPoP?: oauth.DPoPHandle
  initialAccessToken?: string
}

/** @internal Registers a client at `as`'s `registration_endpoint`; options are not applied. */
export async function registerClient(
  as: oauth.AuthorizationServer,
  metadata: Partial<ClientMetadata>,
  clientAuthentication: ClientAuth | undefined,
  options: RegistrationSettings | undefined,
): Promise<Configuration> {
  const settings = {
    fetch: options?.[oauth.customFetch],
    tlsOnly: options?.execute?.includes(allowInsecureRequests) !== true,
    timeout: options?.timeout ?? DEFAULT_TIMEOUT,
  }
  const registered = await perform(settings, options?.DPoP, async (deadline) =>
    oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(as, metadata, {
        ...transport(settings, deadline),
        DPoP: options?.DPoP,
        initialAccessToken: options?.initialAccessToken,
      }),
    ),
  )
  return new Configuration(
    as,
    registered.client_id,
    {
      ...registered,
      [oauth.clockSkew]: metadata[oauth.clockSkew],
      [oauth.clockTolerance]: metadata[oauth.clockTolerance],
    },
    clientAuthentication,
  )
}
