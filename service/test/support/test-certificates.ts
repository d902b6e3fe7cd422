/**
 * Throwaway certificate authorities and server certificates made with the openssl CLI, for the TLS
 * tests: the servers present a certificate from one CA, the service trusts (NODE_EXTRA_CA_CERTS) that
 * CA or, to prove verification is on, another one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CertificateAuthority {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ServerCertificate {
  readonly certFile: string;
  readonly keyFile: string;
}

export class TestCertificates {
  readonly dir = mkdtempSync(join(tmpdir(), "fastcart-certs-"));

  /** A self-signed CA named `name` (valid one day). */
  authority(name: string): CertificateAuthority {
    const certFile = join(this.dir, `${name}.crt`);
    const keyFile = join(this.dir, `${name}.key`);
    openssl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
    ]);
    return { certFile, keyFile };
  }

  /** A server certificate for `subjectAltName` (e.g. "IP:127.0.0.1") signed by `ca`. */
  server(name: string, ca: CertificateAuthority, subjectAltName: string): ServerCertificate {
    const keyFile = join(this.dir, `${name}.key`);
    const csrFile = join(this.dir, `${name}.csr`);
    const certFile = join(this.dir, `${name}.crt`);
    const extFile = join(this.dir, `${name}.ext`);
    writeFileSync(extFile, `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth\n`);
    openssl([
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      csrFile,
      "-subj",
      `/CN=${name}`,
    ]);
    openssl([
      "x509",
      "-req",
      "-in",
      csrFile,
      "-CA",
      ca.certFile,
      "-CAkey",
      ca.keyFile,
      "-CAcreateserial",
      "-out",
      certFile,
      "-days",
      "1",
      "-extfile",
      extFile,
    ]);
    return { certFile, keyFile };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}
