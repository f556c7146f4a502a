/** Who is calling: the identity every policy, rate limit and audit event keys on. */
export interface Subject {
  tenant: string;
  client: string;
  /** The configured id of the key used (`apiKeys[i]` when it has none); null when anonymous. */
  apiKeyId: string | null;
}

/** The subject of every request when `auth.mode` is `none`. */
export const ANONYMOUS_SUBJECT: Readonly<Subject> = Object.freeze({
  tenant: 'anonymous',
  client: 'anonymous',
  apiKeyId: null,
});
