/**
 * Access tokens for the gcp target (and for an emulator that requires auth). Tokens are held
 * in memory only: never written to disk, logged, returned from an activity, or put in heartbeats.
 */
import { GoogleAuth } from 'google-auth-library';
import { PermissionDeniedError } from '../contract/activity-errors';

/** Something that yields a current OAuth2 access token. */
export interface TokenSource {
  getAccessToken(): Promise<string>;
  /**
   * The headers a Google API call carries (lowercase names): `authorization`, and
   * `x-goog-user-project` when the credentials name a quota project, as user ADC from
   * `gcloud auth application-default login` do: APIs refuse such calls without it. Absent: only
   * `authorization: Bearer <token>`.
   */
  getRequestHeaders?(): Promise<Record<string, string>>;
}

/** The headers of a Google API call from a token source (see TokenSource.getRequestHeaders). */
export async function requestHeaders(tokens: TokenSource): Promise<Record<string, string>> {
  if (tokens.getRequestHeaders) return tokens.getRequestHeaders();
  return { authorization: `Bearer ${await tokens.getAccessToken()}` };
}

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

function noCredentials(detail: string): PermissionDeniedError {
  return new PermissionDeniedError(
    `no Google credentials: ${detail}; run 'gcloud auth application-default login' or set GOOGLE_APPLICATION_CREDENTIALS`,
    { credentials: 'adc' },
  );
}

/**
 * Application Default Credentials with the cloud-platform scope. google-auth-library caches the
 * token and refreshes it before expiry. Tests pass a GoogleAuth built around a fake client.
 */
export function adcTokenSource(auth: GoogleAuth = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] })): TokenSource {
  return {
    async getRequestHeaders() {
      let headers: Headers;
      try {
        headers = await auth.getRequestHeaders();
      } catch (e) {
        throw noCredentials((e as Error).message.split('\n')[0] ?? 'unknown');
      }
      const out = Object.fromEntries([...headers.entries()].map(([k, v]) => [k.toLowerCase(), v]));
      if (!out.authorization) throw noCredentials('the credentials yielded no access token');
      return out;
    },
    async getAccessToken() {
      let token: string | null | undefined;
      try {
        token = await auth.getAccessToken();
      } catch (e) {
        // The library's message may quote a credentials file path, never a secret.
        throw noCredentials((e as Error).message.split('\n')[0] ?? 'unknown');
      }
      if (!token) throw noCredentials('the credentials yielded no access token');
      return token;
    },
  };
}

/** A fixed token (an emulator started with --require-auth, tests). */
export function staticTokenSource(token: string): TokenSource {
  return { getAccessToken: async () => token };
}
