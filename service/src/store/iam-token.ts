/**
 * DB_AUTH=iam: the password of every new connection is an RDS IAM authentication token, a SigV4
 * presigned `connect` request signed with the task role's credentials. No password exists, so there
 * is nothing to rotate; the database accepts a token for 15 minutes after signing, and only over TLS.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Connecting.html
 *
 * A token is reused for new connections until shortly before it expires (signing is local, but one
 * token per connection burst is plenty), and dropped at once when the database refuses it.
 */
import { Signer, type SignerConfig } from "@aws-sdk/rds-signer";
import type { CredentialSource } from "./credentials.js";

/** RDS accepts a token for 900 s after signing (the presigned URL's X-Amz-Expires). */
export const IAM_TOKEN_LIFETIME_MS = 900_000;
/** Sign a new token this long before the cached one expires (a slow connect must not outlive it). */
export const IAM_TOKEN_REFRESH_MARGIN_MS = 180_000;

export interface IamTokenOptions {
  hostname: string;
  port: number;
  user: string;
  region: string;
  /** Fixed credentials (tests); default: the SDK's provider chain (the ECS task role in AWS). */
  credentials?: SignerConfig["credentials"];
  now?: () => number;
}

export class IamAuthToken implements CredentialSource {
  readonly kind = "iam-token" as const;
  readonly user: string;
  private readonly signer: Signer;
  private readonly now: () => number;
  private cached: { token: string; signedAt: number } | undefined;
  private signing: Promise<string> | undefined;
  /** Tokens signed so far (exposed for tests and the debug log). */
  signed = 0;

  constructor(options: IamTokenOptions) {
    this.user = options.user;
    this.now = options.now ?? Date.now;
    this.signer = new Signer({
      hostname: options.hostname,
      port: options.port,
      username: options.user,
      region: options.region,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  get(): Promise<string> {
    const cached = this.cached;
    if (cached && this.now() - cached.signedAt < IAM_TOKEN_LIFETIME_MS - IAM_TOKEN_REFRESH_MARGIN_MS) {
      return Promise.resolve(cached.token);
    }
    this.signing ??= this.sign().finally(() => {
      this.signing = undefined;
    });
    return this.signing;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async sign(): Promise<string> {
    const signedAt = this.now();
    const token = await this.signer.getAuthToken();
    this.signed++;
    this.cached = { token, signedAt };
    return token;
  }
}
