/**
 * SSO: JWT bearer tokens (from an SSO proxy, or CI's OIDC tokens) verified with `jose` against
 * the configured issuer, audience and key set (a JWKS URL or file). The identity's name is one
 * claim (`email`, `sub`); its roles come from the rules table, matched on any claim.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import type { Grant, Identity } from './roles.js';
import type { OidcSettings } from './oidc-settings.js';
import { unauthorized } from './authenticator.js';

export interface OidcVerifier {
  verify(token: string): Promise<Identity>;
  /** What the dashboard's login page needs to send the browser to the issuer; null: no SSO login. */
  readonly login: { issuer: string; clientId: string; scope: string } | null;
}

/** Asymmetric algorithms only: a shared-secret (HS*) token would need the secret here. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

const claimValues = (payload: JWTPayload, claim: string): string[] => {
  const v = payload[claim];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
};

/** Why a token was refused, in words that name no key, name or secret. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'the token is from another issuer';
    if (err.claim === 'aud') return 'the token is for another audience';
    return `the token's "${err.claim}" claim is not valid`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token is signed by a key the issuer does not list';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (
    err instanceof errors.JWKSTimeout ||
    (err instanceof errors.JOSEError && err.code === 'ERR_JWKS_INVALID')
  )
    return 'the key set could not be read';
  return 'the token is not a valid JWT';
}

export function oidcVerifier(settings: OidcSettings): OidcVerifier {
  const keys = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl))
    : createLocalJWKSet(settings.jwks as JSONWebKeySet);
  const { clientId } = settings;
  // The dashboard's ID tokens are for its client id.
  const audience =
    clientId && clientId !== settings.audience ? [settings.audience, clientId] : settings.audience;
  return {
    login: clientId
      ? { issuer: settings.issuer, clientId, scope: settings.scope ?? 'openid email profile' }
      : null,
    async verify(token: string): Promise<Identity> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: settings.issuer,
          audience,
          algorithms: ALGORITHMS,
          clockTolerance: 30,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (err) {
        throw unauthorized(`OIDC token refused: ${reasonOf(err)}`);
      }
      const name = claimValues(payload, settings.nameClaim)[0];
      if (!name) throw unauthorized(`OIDC token refused: it has no "${settings.nameClaim}" claim`);
      const grants: Grant[] = [];
      for (const rule of settings.rules) {
        if (!claimValues(payload, rule.claim).includes(rule.equals)) continue;
        for (const role of rule.roles) grants.push({ role, services: rule.services });
      }
      return {
        name,
        verifiedBy: `oidc ${payload.iss} ${payload.sub}`,
        grants,
        groups: settings.groupsClaim ? claimValues(payload, settings.groupsClaim) : [],
      };
    },
  };
}
