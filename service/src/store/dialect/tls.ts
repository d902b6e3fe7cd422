/** TLS to the database, the same for both engines. */
/**
 * TLS settings: verify the server certificate. RDS/Aurora certificates chain to the Amazon RDS CA,
 * which Node does not trust out of the box: the image sets NODE_EXTRA_CA_CERTS to the RDS CA bundle,
 * which Node adds to its default trust store (used because no `ca` is passed), so verification stays on.
 */
export const TLS_OPTIONS = { rejectUnauthorized: true } as const;

/**
 * mysql2 checks only the certificate chain unless `verifyIdentity` is set: without it a certificate
 * issued for any other host by a trusted CA would be accepted. The hostname is checked like pg does.
 */
export const MYSQL_TLS_OPTIONS = { rejectUnauthorized: true, verifyIdentity: true } as const;
