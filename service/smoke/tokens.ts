/**
 * Customer tokens for the smoke suite, minted from AUTH_JWT_SECRET (`--secret`). Same shape as the
 * service's own tokens: HS256, `sub` = customer id, space-separated `scope`. Short-lived, because a
 * smoke token against a deployed system must not outlive the run.
 */
import { SignJWT } from "jose";

/** Scope of an ordinary customer: no `admin`, so the catalog and other customers' orders stay closed. */
export const CUSTOMER_SCOPE = "customer";
const LIFETIME = "15m";

export interface MintOptions {
  secret: string;
  issuer?: string;
  audience?: string;
}

export async function mintCustomerToken(customerId: string, options: MintOptions): Promise<string> {
  let jwt = new SignJWT({ scope: CUSTOMER_SCOPE })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(customerId)
    .setIssuedAt()
    .setExpirationTime(LIFETIME);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
