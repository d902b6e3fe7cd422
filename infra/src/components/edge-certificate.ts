import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

export interface DomainCertificateArgs {
  readonly naming: Naming;
  /** The name the API is served at, e.g. orders-api.example.com. */
  readonly domainName: string;
  /** Public hosted zone of this account that holds the records, e.g. example.com. */
  readonly hostedZoneName: string;
}

export interface DomainCertificate {
  /** The ARN once ACM has validated the certificate: a listener using it waits for the validation. */
  readonly validatedCertificateArn: pulumi.Output<string>;
  readonly hostedZoneId: pulumi.Output<string>;
  readonly certificate: aws.acm.Certificate;
}

/**
 * An ACM certificate for one domain, validated through DNS in the team's hosted zone: the validation
 * record ACM asks for is written to the zone and `CertificateValidation` waits until ACM reports the
 * certificate issued. See "DNS validation" in the ACM user guide:
 * https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
 */
export function domainCertificate(args: DomainCertificateArgs, parent: pulumi.Resource): DomainCertificate {
  const { naming } = args;
  const zone = aws.route53.getZoneOutput({ name: args.hostedZoneName, privateZone: false }, { parent });
  const certName = resourceName(naming, "cert");
  const certificate = new aws.acm.Certificate(
    certName,
    {
      domainName: args.domainName,
      validationMethod: "DNS",
      keyAlgorithm: "RSA_2048",
      tags: resourceTags(naming, certName),
    },
    { parent },
  );
  // One domain name, so ACM asks for exactly one validation record.
  const option = certificate.domainValidationOptions.apply((options) => options[0]!);
  const validationName = resourceName(naming, "cert-validation");
  const record = new aws.route53.Record(
    validationName,
    {
      zoneId: zone.zoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 300,
      // ACM reuses the same record for a re-issued certificate of the same name.
      allowOverwrite: true,
    },
    { parent },
  );
  const validation = new aws.acm.CertificateValidation(
    validationName,
    { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
    { parent },
  );
  return { validatedCertificateArn: validation.certificateArn, hostedZoneId: zone.zoneId, certificate };
}

/** `domainName` → the load balancer, as a Route 53 alias A record (no charge, follows the ALB's addresses). */
export function aliasRecord(
  naming: Naming,
  hostedZoneId: pulumi.Input<string>,
  domainName: string,
  loadBalancer: aws.lb.LoadBalancer,
  parent: pulumi.Resource,
): aws.route53.Record {
  return new aws.route53.Record(
    resourceName(naming, "api-alias"),
    {
      zoneId: hostedZoneId,
      name: domainName,
      type: "A",
      aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
    },
    { parent },
  );
}
