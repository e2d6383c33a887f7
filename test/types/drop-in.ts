// Type-level drop-in check: every export of openid-client 6.9 (and its passport Strategy) has an
// openid-rp export of the same name that is assignable to the reference's declared type.
import type * as oauth from 'oauth4webapi'
import * as ref from 'openid-client'
import * as refPassport from 'openid-client/passport'
import * as rp from 'openid-rp'
import * as rpPassport from 'openid-rp/passport'

import type * as self from './drop-in.ts'

/** `A` only when it is assignable to `B`: a type export that is not fails to compile. */
type Assignable<A extends B, B> = A

// Values: functions, classes and symbols.
export const AuthorizationResponseError: typeof ref.AuthorizationResponseError =
  rp.AuthorizationResponseError
export const ClientError: typeof ref.ClientError = rp.ClientError
export const ClientSecretBasic: typeof ref.ClientSecretBasic = rp.ClientSecretBasic
export const ClientSecretJwt: typeof ref.ClientSecretJwt = rp.ClientSecretJwt
export const ClientSecretPost: typeof ref.ClientSecretPost = rp.ClientSecretPost
export const Configuration: typeof ref.Configuration = rp.Configuration
export const None: typeof ref.None = rp.None
export const PrivateKeyJwt: typeof ref.PrivateKeyJwt = rp.PrivateKeyJwt
export const ResponseBodyError: typeof ref.ResponseBodyError = rp.ResponseBodyError
export const TlsClientAuth: typeof ref.TlsClientAuth = rp.TlsClientAuth
export const WWWAuthenticateChallengeError: typeof ref.WWWAuthenticateChallengeError =
  rp.WWWAuthenticateChallengeError
export const allowInsecureRequests: typeof ref.allowInsecureRequests = rp.allowInsecureRequests
export const authorizationCodeGrant: typeof ref.authorizationCodeGrant = rp.authorizationCodeGrant
export const buildAuthorizationUrl: typeof ref.buildAuthorizationUrl = rp.buildAuthorizationUrl
export const buildAuthorizationUrlWithJAR: typeof ref.buildAuthorizationUrlWithJAR =
  rp.buildAuthorizationUrlWithJAR
export const buildAuthorizationUrlWithPAR: typeof ref.buildAuthorizationUrlWithPAR =
  rp.buildAuthorizationUrlWithPAR
export const buildEndSessionUrl: typeof ref.buildEndSessionUrl = rp.buildEndSessionUrl
export const calculatePKCECodeChallenge: typeof ref.calculatePKCECodeChallenge =
  rp.calculatePKCECodeChallenge
export const clientCredentialsGrant: typeof ref.clientCredentialsGrant = rp.clientCredentialsGrant
export const clockSkew: typeof ref.clockSkew = rp.clockSkew
export const clockTolerance: typeof ref.clockTolerance = rp.clockTolerance
export const customFetch: typeof ref.customFetch = rp.customFetch
export const discovery: typeof ref.discovery = rp.discovery
export const dynamicClientRegistration: typeof ref.dynamicClientRegistration =
  rp.dynamicClientRegistration
export const enableDecryptingResponses: typeof ref.enableDecryptingResponses =
  rp.enableDecryptingResponses
export const enableDetachedSignatureResponseChecks: typeof ref.enableDetachedSignatureResponseChecks =
  rp.enableDetachedSignatureResponseChecks
export const enableNonRepudiationChecks: typeof ref.enableNonRepudiationChecks =
  rp.enableNonRepudiationChecks
export const fetchProtectedResource: typeof ref.fetchProtectedResource = rp.fetchProtectedResource
export const fetchUserInfo: typeof ref.fetchUserInfo = rp.fetchUserInfo
export const genericGrantRequest: typeof ref.genericGrantRequest = rp.genericGrantRequest
export const getDPoPHandle: typeof ref.getDPoPHandle = rp.getDPoPHandle
export const getDecryptedResponses: typeof ref.getDecryptedResponses = rp.getDecryptedResponses
export const getJwksCache: typeof ref.getJwksCache = rp.getJwksCache
export const implicitAuthentication: typeof ref.implicitAuthentication = rp.implicitAuthentication
export const initiateBackchannelAuthentication: typeof ref.initiateBackchannelAuthentication =
  rp.initiateBackchannelAuthentication
export const initiateDeviceAuthorization: typeof ref.initiateDeviceAuthorization =
  rp.initiateDeviceAuthorization
export const modifyAssertion: typeof ref.modifyAssertion = rp.modifyAssertion
export const pollBackchannelAuthenticationGrant: typeof ref.pollBackchannelAuthenticationGrant =
  rp.pollBackchannelAuthenticationGrant
export const pollDeviceAuthorizationGrant: typeof ref.pollDeviceAuthorizationGrant =
  rp.pollDeviceAuthorizationGrant
export const randomDPoPKeyPair: typeof ref.randomDPoPKeyPair = rp.randomDPoPKeyPair
export const randomNonce: typeof ref.randomNonce = rp.randomNonce
export const randomPKCECodeVerifier: typeof ref.randomPKCECodeVerifier = rp.randomPKCECodeVerifier
export const randomState: typeof ref.randomState = rp.randomState
export const refreshTokenGrant: typeof ref.refreshTokenGrant = rp.refreshTokenGrant
export const setJwksCache: typeof ref.setJwksCache = rp.setJwksCache
export const skipStateCheck: typeof ref.skipStateCheck = rp.skipStateCheck
export const skipSubjectCheck: typeof ref.skipSubjectCheck = rp.skipSubjectCheck
export const tokenIntrospection: typeof ref.tokenIntrospection = rp.tokenIntrospection
export const tokenRevocation: typeof ref.tokenRevocation = rp.tokenRevocation
export const useCodeIdTokenResponseType: typeof ref.useCodeIdTokenResponseType =
  rp.useCodeIdTokenResponseType
export const useIdTokenResponseType: typeof ref.useIdTokenResponseType = rp.useIdTokenResponseType
export const useJwtResponseMode: typeof ref.useJwtResponseMode = rp.useJwtResponseMode

// Types only: openid-rp's type is assignable where the reference's is expected.
export type AuthorizationCodeGrantChecks = Assignable<
  rp.AuthorizationCodeGrantChecks,
  ref.AuthorizationCodeGrantChecks
>
export type AuthorizationCodeGrantOptions = Assignable<
  rp.AuthorizationCodeGrantOptions,
  ref.AuthorizationCodeGrantOptions
>
export type AuthorizationDetails = Assignable<rp.AuthorizationDetails, ref.AuthorizationDetails>
export type BackchannelAuthenticationGrantPollOptions = Assignable<
  rp.BackchannelAuthenticationGrantPollOptions,
  ref.BackchannelAuthenticationGrantPollOptions
>
export type BackchannelAuthenticationResponse = Assignable<
  rp.BackchannelAuthenticationResponse,
  ref.BackchannelAuthenticationResponse
>
export type ClientAuth = Assignable<rp.ClientAuth, ref.ClientAuth>
export type ClientMetadata = Assignable<rp.ClientMetadata, ref.ClientMetadata>
export type ConfigurationMethods = Assignable<rp.ConfigurationMethods, ref.ConfigurationMethods>
export type ConfigurationProperties = Assignable<
  rp.ConfigurationProperties,
  ref.ConfigurationProperties
>
export type ConfirmationClaims = Assignable<rp.ConfirmationClaims, ref.ConfirmationClaims>
export type CryptoKey = Assignable<rp.CryptoKey, ref.CryptoKey>
export type CryptoKeyPair = Assignable<rp.CryptoKeyPair, ref.CryptoKeyPair>
export type CustomFetch = Assignable<rp.CustomFetch, ref.CustomFetch>
export type CustomFetchOptions = Assignable<rp.CustomFetchOptions, ref.CustomFetchOptions>
export type DPoPHandle = Assignable<rp.DPoPHandle, ref.DPoPHandle>
export type DPoPOptions = Assignable<rp.DPoPOptions, ref.DPoPOptions>
export type DecryptedAuthorizationCodeResponses = Assignable<
  rp.DecryptedAuthorizationCodeResponses,
  ref.DecryptedAuthorizationCodeResponses
>
export type DecryptionKey = Assignable<rp.DecryptionKey, ref.DecryptionKey>
export type DeviceAuthorizationGrantPollOptions = Assignable<
  rp.DeviceAuthorizationGrantPollOptions,
  ref.DeviceAuthorizationGrantPollOptions
>
export type DeviceAuthorizationResponse = Assignable<
  rp.DeviceAuthorizationResponse,
  ref.DeviceAuthorizationResponse
>
export type DeviceAutorizationGrantPollOptions = Assignable<
  rp.DeviceAutorizationGrantPollOptions,
  ref.DeviceAutorizationGrantPollOptions
>
export type DiscoveryRequestOptions = Assignable<
  rp.DiscoveryRequestOptions,
  ref.DiscoveryRequestOptions
>
export type DynamicClientRegistrationRequestOptions = Assignable<
  rp.DynamicClientRegistrationRequestOptions,
  ref.DynamicClientRegistrationRequestOptions
>
export type ExportedJWKSCache = Assignable<rp.ExportedJWKSCache, ref.ExportedJWKSCache>
export type FetchBody = Assignable<rp.FetchBody, ref.FetchBody>
export type GenerateKeyPairOptions = Assignable<
  rp.GenerateKeyPairOptions,
  ref.GenerateKeyPairOptions
>
export type IDToken = Assignable<rp.IDToken, ref.IDToken>
export type ImplicitAuthenticationResponseChecks = Assignable<
  rp.ImplicitAuthenticationResponseChecks,
  ref.ImplicitAuthenticationResponseChecks
>
export type IntrospectionResponse = Assignable<rp.IntrospectionResponse, ref.IntrospectionResponse>
export type JWK = Assignable<rp.JWK, ref.JWK>
export type JWKS = Assignable<rp.JWKS, ref.JWKS>
export type JWSAlgorithm = Assignable<rp.JWSAlgorithm, ref.JWSAlgorithm>
export type JsonArray = Assignable<rp.JsonArray, ref.JsonArray>
export type JsonObject = Assignable<rp.JsonObject, ref.JsonObject>
export type JsonPrimitive = Assignable<rp.JsonPrimitive, ref.JsonPrimitive>
export type JsonValue = Assignable<rp.JsonValue, ref.JsonValue>
export type MTLSEndpointAliases = Assignable<rp.MTLSEndpointAliases, ref.MTLSEndpointAliases>
export type ModifyAssertionFunction = Assignable<
  rp.ModifyAssertionFunction,
  ref.ModifyAssertionFunction
>
export type ModifyAssertionOptions = Assignable<
  rp.ModifyAssertionOptions,
  ref.ModifyAssertionOptions
>
export type OmitSymbolProperties = Assignable<
  rp.OmitSymbolProperties<rp.ClientMetadata>,
  ref.OmitSymbolProperties<ref.ClientMetadata>
>
export type PrivateKey = Assignable<rp.PrivateKey, ref.PrivateKey>
export type ServerMetadata = Assignable<rp.ServerMetadata, ref.ServerMetadata>
export type ServerMetadataHelpers = Assignable<rp.ServerMetadataHelpers, ref.ServerMetadataHelpers>
export type TokenEndpointResponse = Assignable<rp.TokenEndpointResponse, ref.TokenEndpointResponse>
export type TokenEndpointResponseHelpers = Assignable<
  rp.TokenEndpointResponseHelpers,
  ref.TokenEndpointResponseHelpers
>
export type UserInfoAddress = Assignable<rp.UserInfoAddress, ref.UserInfoAddress>
export type UserInfoResponse = Assignable<rp.UserInfoResponse, ref.UserInfoResponse>
export type WWWAuthenticateChallenge = Assignable<
  rp.WWWAuthenticateChallenge,
  ref.WWWAuthenticateChallenge
>
export type WWWAuthenticateChallengeParameters = Assignable<
  rp.WWWAuthenticateChallengeParameters,
  ref.WWWAuthenticateChallengeParameters
>

// openid-rp/passport
export const Strategy: typeof refPassport.Strategy = rpPassport.Strategy
export type AuthenticateOptions = Assignable<
  rpPassport.AuthenticateOptions,
  refPassport.AuthenticateOptions
>
export type StrategyOptions = Assignable<rpPassport.StrategyOptions, refPassport.StrategyOptions>
export type StrategyOptionsWithRequest = Assignable<
  rpPassport.StrategyOptionsWithRequest,
  refPassport.StrategyOptionsWithRequest
>
export type VerifyFunction = Assignable<rpPassport.VerifyFunction, refPassport.VerifyFunction>
export type VerifyFunctionWithRequest = Assignable<
  rpPassport.VerifyFunctionWithRequest,
  refPassport.VerifyFunctionWithRequest
>
export type PassportGetDPoPHandle = Assignable<rpPassport.getDPoPHandle, refPassport.getDPoPHandle>

// Completeness: a value export of openid-client that has no line above fails to compile here.
type MissingValues = Exclude<keyof typeof ref, keyof typeof self>
export const everyValueExportChecked: [MissingValues] extends [never] ? true : MissingValues = true

// Results flow into code typed against the reference, and the decrypted-response branding holds.
export async function typedAgainstTheReference(
  config: rp.Configuration,
  currentUrl: URL,
  accessToken: string,
  key: rp.CryptoKey,
): Promise<void> {
  rp.enableDecryptingResponses(config, undefined, key)
  const userInfo = await rp.fetchUserInfo(config, accessToken, rp.skipSubjectCheck)
  const jws: string | undefined = rp.getDecryptedResponses(userInfo)
  const tokens = await rp.authorizationCodeGrant(config, currentUrl)
  const signed = rp.getDecryptedResponses(tokens)
  const fromTokenEndpoint: string | undefined = signed?.id_token?.token_endpoint
  const refConfig: ref.Configuration = config
  const refTokens: ref.TokenEndpointResponse & ref.TokenEndpointResponseHelpers =
    await rp.refreshTokenGrant(refConfig, tokens.refresh_token!)
  const introspection = await rp.tokenIntrospection(refConfig, refTokens.access_token)
  const jwt: string | undefined = rp.getDecryptedResponses(introspection)
  void [jws, fromTokenEndpoint, jwt]
}

// These must stay errors.
export function stillErrors(config: rp.Configuration, tokens: oauth.TokenEndpointResponse): void {
  // @ts-expect-error a plain token response has no narrowed decrypted type
  const narrowed: string | undefined = rp.getDecryptedResponses(tokens)
  // @ts-expect-error the result of an authorization code grant is a record, not a string
  const wrong: Promise<string | undefined> = rp
    .authorizationCodeGrant(config, new URL('x:'))
    .then(rp.getDecryptedResponses)
  // @ts-expect-error the result type parameter must extend the UserInfo response
  void rp.fetchUserInfo<{ unrelated: true }>(config, 'token', 'sub')
  // @ts-expect-error a Configuration is required
  rp.buildAuthorizationUrl({}, {})
  // @ts-expect-error the subject check is a string or skipSubjectCheck, not a boolean
  void rp.fetchUserInfo(config, 'token', false)
  // @ts-expect-error ClientSecretPost takes a string secret
  rp.ClientSecretPost(42)
  // @ts-expect-error the passport Strategy needs a verify function
  new rpPassport.Strategy({ config })
  void [narrowed, wrong]
}
