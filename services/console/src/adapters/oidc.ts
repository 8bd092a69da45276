import * as client from "openid-client";
import { SignInError, userFromClaims, type Session } from "../domain/session.js";

/** Sign-in with the deployment's identity provider: authorization code + PKCE, a confidential client. */
export interface SignIn {
  /** The provider's authorization URL and what the callback must check (kept in an encrypted cookie meanwhile). */
  start(): Promise<{ url: string; state: string; verifier: string }>;
  /** Exchanges the code of the callback URL for tokens; the session of the user they describe. */
  finish(callbackUrl: URL, check: { state: string; verifier: string }): Promise<Session>;
  /** Where the browser ends the provider's session, then comes back to the console. */
  logoutUrl(idToken: string | undefined): string;
}

export interface SignInOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  publicUrl: string;
  scopes: string;
  resource?: string;
}

export async function createSignIn(o: SignInOptions): Promise<SignIn> {
  const issuer = new URL(o.issuer);
  // Plain http only for a provider on this machine (the development one); anything else needs https.
  const local = issuer.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(issuer.hostname);
  const config = await client.discovery(issuer, o.clientId, o.clientSecret, undefined, local ? { execute: [client.allowInsecureRequests] } : undefined);
  const redirectUri = `${o.publicUrl}/auth/callback`;
  return {
    async start() {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const params: Record<string, string> = {
        redirect_uri: redirectUri,
        scope: o.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
      };
      if (o.resource) params.resource = o.resource;
      return { url: client.buildAuthorizationUrl(config, params).href, state, verifier };
    },
    async finish(callbackUrl, check) {
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: check.verifier, expectedState: check.state }, o.resource ? { resource: o.resource } : undefined);
      } catch (err) {
        throw new SignInError(`the identity provider refused the sign-in: ${(err as Error).message}`);
      }
      const claims = tokens.claims();
      if (!claims) throw new SignInError("the identity provider returned no ID token");
      const expiresIn = tokens.expiresIn() ?? 3600;
      return { accessToken: tokens.access_token, expiresAt: Math.floor(Date.now() / 1000) + expiresIn, idToken: tokens.id_token, ...userFromClaims(claims) };
    },
    logoutUrl(idToken) {
      const params: Record<string, string> = { post_logout_redirect_uri: `${o.publicUrl}/` };
      if (idToken) params.id_token_hint = idToken;
      return config.serverMetadata().end_session_endpoint ? client.buildEndSessionUrl(config, params).href : `${o.publicUrl}/`;
    },
  };
}
