/**
 * "Sign in with <issuer>": the OAuth 2.0 authorization-code flow with PKCE from the browser, as a
 * public client (no secret), with oauth4webapi. The issuer sends the browser back to this page
 * (`/?code=...&state=...`); the ID token it then answers is the bearer for the API, which the
 * daemon verifies on every request (issuer, audience = the client id, signature, expiry). The
 * verifier, state and nonce live in sessionStorage for the round trip only.
 */
import * as oauth from 'oauth4webapi';

export interface OidcLogin {
  issuer: string;
  client_id: string;
  scope: string;
}

const KEY = 'orbit-oidc';
/** The daemon's own page: the redirect URI registered with the issuer for this client. */
const redirectUri = (): string => `${location.origin}/`;

const loopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

async function server(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  // Plain http only for an issuer on loopback (a test's, a developer's), as the daemon allows.
  const res = await oauth.discoveryRequest(url, { [oauth.allowInsecureRequests]: loopback(url) });
  return oauth.processDiscoveryResponse(url, res);
}

/** Sends the browser to the issuer's authorization endpoint. */
export async function signIn(login: OidcLogin): Promise<void> {
  const as = await server(login.issuer);
  if (!as.authorization_endpoint) throw new Error(`${login.issuer} has no authorization endpoint`);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(KEY, JSON.stringify({ verifier, state, nonce }));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: login.client_id,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: login.scope,
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/** Whether this page load is the issuer sending the browser back. */
export const isCallback = (): boolean => {
  const q = new URLSearchParams(location.search);
  return q.has('state') && (q.has('code') || q.has('error'));
};

/**
 * Finishes the flow on the way back: checks the answer against the state sent, exchanges the code
 * (with the PKCE verifier) for tokens, checks the ID token's nonce, and returns the ID token.
 */
export async function finishSignIn(login: OidcLogin): Promise<string> {
  const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as {
    verifier: string;
    state: string;
    nonce: string;
  } | null;
  sessionStorage.removeItem(KEY);
  const here = new URL(location.href);
  // The code is single-use and never stays in the address bar or the history.
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  if (!saved) throw new Error('the sign-in was not started from this tab: sign in again');
  const as = await server(login.issuer);
  const client: oauth.Client = { client_id: login.client_id };
  const params = oauth.validateAuthResponse(as, client, here, saved.state);
  const url = new URL(login.issuer);
  const res = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri(),
    saved.verifier,
    { [oauth.allowInsecureRequests]: loopback(url) },
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, res, {
    expectedNonce: saved.nonce,
    requireIdToken: true,
  });
  return tokens.id_token!;
}
