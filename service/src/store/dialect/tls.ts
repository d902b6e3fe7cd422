/** TLS to the database, the same for both engines. */
/**
 * TLS settings: verify the server certificate. RDS/Aurora certificates chain to the Amazon RDS CA,
 * which Node does not trust out of the box: the image sets NODE_EXTRA_CA_CERTS to the RDS CA bundle,
 * which Node adds to its default trust store (used because no `ca` is passed), so verification stays on.
 */
export const TLS_OPTIONS = { rejectUnauthorized: true } as const;
