import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** A component with children, so parents show up in the plan. */
class Store extends pulumi.ComponentResource {
  readonly endpoint: pulumi.Output<string>;
  constructor(
    name: string,
    args: { subnetIds: pulumi.Input<string>[]; keyArn: pulumi.Input<string> },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("tiny:components:Store", name, {}, opts);
    const config = new pulumi.Config();
    const suffix = config.require("environmentSuffix");
    const token = new random.RandomPassword(
      `${name}-token`,
      { length: 32, special: false },
      { parent: this },
    );
    const group = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { name: `tiny-db-${suffix}`, subnetIds: args.subnetIds },
      { parent: this },
    );
    const db = new aws.rds.Instance(
      `${name}-db`,
      {
        identifier: `tiny-db-${suffix}`,
        engine: "postgres",
        engineVersion: "15.10",
        instanceClass: "db.t3.micro",
        allocatedStorage: 20,
        dbSubnetGroupName: group.name,
        storageEncrypted: true,
        kmsKeyId: args.keyArn,
        username: "app",
        password: config.requireSecret("dbPassword"),
        tags: { Name: `tiny-db-${suffix}`, Token: token.result.apply((t) => `len-${t.length}`) },
      },
      { parent: this },
    );
    new aws.ssm.Parameter(
      `${name}-token-param`,
      { name: `/tiny/${suffix}/token`, type: "SecureString", value: token.result },
      { parent: this, dependsOn: [db] },
    );
    this.endpoint = db.endpoint;
    this.registerOutputs({ endpoint: this.endpoint });
  }
}

/**
 * `tiny:variant` picks a deliberate defect, one per stack file: `clean` (none), `leak` (a secret copied
 * into a tag without its mark), `duplicate` (two resources with one URN), `unknown-invoke` (a data source
 * the plan has no stand-in for), `unused-invoke` (the same, its result never used), `throws` (the program
 * itself fails).
 */
export function tinyProgram(): Record<string, pulumi.Input<unknown>> {
  const config = new pulumi.Config();
  const variant = config.get("variant") ?? "clean";
  if (variant === "throws") throw new Error("tiny program failed on purpose");
  const tags: Record<string, pulumi.Input<string>> = config.requireObject<Record<string, string>>("tags");
  if (variant === "leak") tags["Leak"] = pulumi.unsecret(config.requireSecret("dbPassword"));
  const vpc = new aws.ec2.Vpc("tiny-vpc", { cidrBlock: "10.9.0.0/16", tags });
  if (variant === "duplicate") new aws.ec2.Vpc("tiny-vpc", { cidrBlock: "10.8.0.0/16" });
  const zones = variant === "unknown-invoke" ? aws.ec2.getVpcOutput({ default: true }).id : "none";
  if (variant === "unused-invoke") aws.ec2.getVpcOutput({ default: true });
  const subnets = [0, 1].map(
    (index) =>
      new aws.ec2.Subnet(`tiny-private-${index}`, { vpcId: vpc.id, cidrBlock: `10.9.${index}.0/24` }),
  );
  // An explicit provider, so the plan's `provider` field has something to point at.
  const provider = new aws.Provider("tiny-provider", {
    region: "eu-central-1",
    defaultTags: { tags: { Project: "tiny" } },
  });
  const key = new aws.kms.Key("tiny-key", { enableKeyRotation: true }, { provider });
  const store = new Store("tiny-store", { subnetIds: subnets.map((s) => s.id), keyArn: key.arn });
  const identity = aws.getCallerIdentityOutput();
  return {
    vpcId: vpc.id,
    dbEndpoint: store.endpoint,
    instances: config.requireNumber("instances"),
    account: identity.accountId,
    password: config.requireSecret("dbPassword"),
    zones,
  };
}
