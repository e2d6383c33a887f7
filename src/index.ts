// The public entry of openid-rp: the openid-client v6 API, re-exported from the modules that own
// each part (only re-exports: see ARCHITECTURE.md).

// Configuration
export {
  type ClientAuth,
  type ClientMetadata,
  Configuration,
  type ConfigurationMethods,
  type ConfigurationProperties,
  type ServerMetadata,
  type ServerMetadataHelpers,
} from './core/configuration.ts'
export { discovery, type DiscoveryRequestOptions } from './discovery.ts'
export {
  dynamicClientRegistration,
  type DynamicClientRegistrationRequestOptions,
} from './registration.ts'
export type { CustomFetch, CustomFetchOptions, FetchBody } from './core/http.ts'

// Resource-first discovery and step-up
export {
  discoverProtectedResource,
  getProtectedResourceMetadata,
  type ProtectedResourceDiscoveryOptions,
  type ProtectedResourceMetadata,
} from './resource-discovery.ts'
export { clientIdMetadataDocument } from './client-id-metadata-document.ts'
export { type StepUp, stepUpAuthorization, type StepUpOptions, verifyStepUp } from './step-up.ts'

// Client authentication
export {
  ClientSecretBasic,
  ClientSecretJwt,
  ClientSecretPost,
  None,
  PrivateKeyJwt,
  TlsClientAuth,
} from './client-auth.ts'
export type { ClientAssertionOptions, ClientSecretBasicOptions } from './client-auth.ts'

// Symbols
export {
  clockSkew,
  clockTolerance,
  customFetch,
  modifyAssertion,
  skipStateCheck,
  skipSubjectCheck,
} from './core/symbols.ts'

// Random values and PKCE
export {
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from './random.ts'

// Authorization requests
export { buildAuthorizationUrl, buildEndSessionUrl } from './authorization-url.ts'
export { buildAuthorizationUrlWithJAR, clientSecretSigningKey } from './jar.ts'
export type { HmacAlgorithm } from './jar.ts'
export { buildAuthorizationUrlWithPAR } from './par.ts'

// Grants
export {
  type AuthorizationCodeGrantChecks,
  type AuthorizationCodeGrantOptions,
  authorizationCodeGrant,
} from './grants/authorization-code.ts'
export { type RefreshTokenGrantOptions, refreshTokenGrant } from './grants/refresh-token.ts'
export { clientCredentialsGrant } from './grants/client-credentials.ts'
export { genericGrantRequest } from './grants/generic.ts'
export {
  type DeviceAuthorizationGrantPollOptions,
  type DeviceAutorizationGrantPollOptions,
  initiateDeviceAuthorization,
  pollDeviceAuthorizationGrant,
} from './grants/device.ts'
export {
  type BackchannelAuthenticationGrantPollOptions,
  initiateBackchannelAuthentication,
  pollBackchannelAuthenticationGrant,
} from './grants/ciba.ts'
export type {
  DecryptedAuthorizationCodeResponses,
  WithDecryptedResponse,
} from './core/decrypted.ts'
export type { DPoPHandle, DPoPOptions } from './core/dpop.ts'
export type { TokenEndpointResponseHelpers } from './core/token-endpoint.ts'

// Resources
export { fetchUserInfo } from './resources/userinfo.ts'
export { tokenIntrospection } from './resources/introspection.ts'
export { tokenRevocation } from './resources/revocation.ts'
export { fetchProtectedResource } from './resources/protected-resource.ts'

// Advanced security
export { getDPoPHandle, randomDPoPKeyPair } from './security/dpop.ts'
export { useJwtResponseMode } from './security/jarm.ts'
export { useCodeIdTokenResponseType } from './security/hybrid.ts'
export {
  implicitAuthentication,
  type ImplicitAuthenticationResponseChecks,
  useIdTokenResponseType,
} from './security/implicit.ts'
export { enableDetachedSignatureResponseChecks } from './security/detached-signature.ts'
export {
  acceptSignedUserInfoWithoutIssuerAndAudience,
  enableNonRepudiationChecks,
} from './security/non-repudiation.ts'
export {
  type FAPI2SecurityProfileOptions,
  useFAPI2MessageSigning,
  useFAPI2SecurityProfile,
} from './security/fapi2.ts'
export {
  type DecryptionKey,
  enableDecryptingResponses,
  getDecryptedResponses,
} from './security/decryption.ts'
export { getJwksCache, setJwksCache } from './security/jwks-cache.ts'
export { allowStringExpiresIn } from './core/expires-in.ts'
export { allowInsecureRequests } from './core/insecure.ts'

// Logout
export {
  backchannelLogoutResponse,
  type LogoutTokenClaims,
  type LogoutTokenValidationOptions,
  validateLogoutToken,
} from './logout/back-channel.ts'
export {
  type FrontchannelLogoutOptions,
  type FrontchannelLogoutParameters,
  frontchannelLogoutResponse,
  validateFrontchannelLogout,
} from './logout/front-channel.ts'
export {
  type LogoutMarker,
  type LogoutSessionClaims,
  type LogoutStore,
  MemoryLogoutStore,
  MemoryReplayStore,
  type MemoryStoreOptions,
  type ReplayStore,
} from './logout/store.ts'
// Token lifecycle and shared state
export {
  type AccessTokenOptions,
  createTokenManager,
  type InitialTokens,
  type ManagedTokens,
  type TokenManager,
  type TokenManagerEvent,
  type TokenManagerOptions,
} from './token-manager.ts'
export type { Lease, SharedStore, VersionedValue } from './store/types.ts'
export { createMemoryStore } from './store/memory.ts'
export { type BrowserStoreOptions, createBrowserStore } from './store/browser.ts'
export { createCloudflareKvStore, type KvNamespace } from './store/cloudflare-kv.ts'
export {
  exportLearnedState,
  importLearnedState,
  type LearnedState,
  type LearnedStateOptions,
} from './learned-state.ts'

// Errors
export { ClientError, type ErrorCode } from './core/errors.ts'
export {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'oauth4webapi'

// Types shared with oauth4webapi
export type {
  AuthorizationDetails,
  BackchannelAuthenticationResponse,
  ConfirmationClaims,
  CryptoKey,
  CryptoKeyPair,
  DeviceAuthorizationResponse,
  ExportedJWKSCache,
  IDToken,
  IntrospectionResponse,
  JsonArray,
  JsonObject,
  JsonPrimitive,
  JsonValue,
  JWK,
  JWKS,
  JWSAlgorithm,
  ModifyAssertionFunction,
  ModifyAssertionOptions,
  MTLSEndpointAliases,
  OmitSymbolProperties,
  PrivateKey,
  TokenEndpointResponse,
  UserInfoAddress,
  UserInfoResponse,
  WWWAuthenticateChallenge,
  WWWAuthenticateChallengeParameters,
} from 'oauth4webapi'
export type { GenerateKeyPairOptions } from './security/dpop.ts'
