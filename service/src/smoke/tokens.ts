/**
 * Tokens for the smoke suite, minted from AUTH_JWT_SECRET (`--secret`, `--secret-env`): customer
 * tokens, and the admin token when none is given. Same shape as the
 * service's own tokens: HS256, `sub` = customer id, space-separated `scope`. Short-lived, because a
 * smoke token against a deployed system must not outlive the run.
 */
import { SignJWT } from "jose";

/** Scope of an ordinary customer: no `admin`, so the catalog and other customers' orders stay closed. */
export const CUSTOMER_SCOPE = "customer";
/** The scope the API reads as an administrator (the service's ADMIN_SCOPE; the suite stays black-box). */
export const ADMIN_SCOPE = "admin";
const LIFETIME = "15m";

export interface MintOptions {
  secret: string;
  issuer?: string;
  audience?: string;
}

export function mintCustomerToken(customerId: string, options: MintOptions): Promise<string> {
  return mint(customerId, CUSTOMER_SCOPE, options);
}

export function mintAdminToken(subject: string, options: MintOptions): Promise<string> {
  return mint(subject, ADMIN_SCOPE, options);
}

async function mint(subject: string, scope: string, options: MintOptions): Promise<string> {
  let jwt = new SignJWT({ scope })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(LIFETIME);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
