import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetCidr } from "../cidr.js";
import { type Naming, resourceName, resourceTags } from "../naming.js";
import { type VpcFlowLogArgs, vpcFlowLog } from "./flow-logs.js";

export interface NetworkArgs {
  readonly naming: Naming;
  /** VPC range, e.g. 10.0.0.0/16. It is cut into 16 equal blocks: public subnets take blocks 0.., private 8... */
  readonly cidr: string;
  /** Availability zone names, in order; the first `azCount` are used. */
  readonly availabilityZones: pulumi.Input<string[]>;
  /** AZs to span: 2 or 3. */
  readonly azCount: number;
  /** `single` (default): one NAT gateway in the first public subnet; `perAz`: one per AZ. */
  readonly natGateways?: "single" | "perAz";
  /** Port the service containers listen on (ingress to the service security group). */
  readonly containerPort: number;
  /** Database port: 5432 (PostgreSQL) or 3306 (MySQL). */
  readonly databasePort: number;
  /** Create the ALB security group; the service then accepts traffic from the ALB only. Default false. */
  readonly albEnabled?: boolean;
  /**
   * Open 443 on the ALB security group. Only when the edge has an HTTPS listener (always, unless the
   * plain-HTTP opt-out is set): without one nothing listens there, and an open port with nothing behind
   * it is noise for scanners and reviewers alike. Default false.
   */
  readonly albHttps?: boolean;
  /** Create the Redis security group. Default false. */
  readonly cacheEnabled?: boolean;
  /** Redis port. Default 6379. */
  readonly cachePort?: number;
  /** VPC flow logs to an encrypted log group; unset: none. */
  readonly flowLogs?: Omit<VpcFlowLogArgs, "naming" | "vpcId">;
}

const ALL_IPV4 = "0.0.0.0/0";

/**
 * VPC with public subnets (IGW route) and private subnets (NAT route) across `azCount` AZs, and the
 * security groups that encode who may talk to whom:
 * - ALB: 80/443 from anywhere; egress only to the service on the container port.
 * - service: container port from the ALB (when there is one) or from the VPC range; egress rules are
 *   the Service component's (the data store ports to their groups, HTTPS to AWS APIs).
 * - database: its port from the service only; no egress.
 * - cache: 6379 from the service only; no egress.
 * The VPC's default security group is emptied so nothing lands in it with open rules by accident.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnets: aws.ec2.Subnet[];
  readonly privateSubnets: aws.ec2.Subnet[];
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly natGateways: aws.ec2.NatGateway[];
  readonly albSecurityGroup: aws.ec2.SecurityGroup | undefined;
  readonly serviceSecurityGroup: aws.ec2.SecurityGroup;
  readonly databaseSecurityGroup: aws.ec2.SecurityGroup;
  readonly cacheSecurityGroup: aws.ec2.SecurityGroup | undefined;
  readonly flowLog: aws.ec2.FlowLog | undefined;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Network", name, {}, opts);
    const { naming, cidr, azCount } = args;
    const parent = { parent: this };
    const tagged = (resource: string, extra?: Record<string, string>) => {
      const n = resourceName(naming, resource);
      return { name: n, tags: resourceTags(naming, n, extra) };
    };
    const az = (index: number) => pulumi.output(args.availabilityZones).apply((zones) => zones[index]!);

    const vpcName = tagged("vpc");
    this.vpc = new aws.ec2.Vpc(
      vpcName.name,
      { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: vpcName.tags },
      parent,
    );
    this.vpcId = this.vpc.id;

    this.flowLog = args.flowLogs
      ? vpcFlowLog({ naming, vpcId: this.vpc.id, ...args.flowLogs }, this)
      : undefined;

    const defaultSg = tagged("default-sg");
    new aws.ec2.DefaultSecurityGroup(
      defaultSg.name,
      { vpcId: this.vpc.id, ingress: [], egress: [], tags: defaultSg.tags },
      parent,
    );

    const igwName = tagged("igw");
    const igw = new aws.ec2.InternetGateway(igwName.name, { vpcId: this.vpc.id, tags: igwName.tags }, parent);

    const publicRtName = tagged("public-rt");
    const publicRouteTable = new aws.ec2.RouteTable(
      publicRtName.name,
      { vpcId: this.vpc.id, routes: [{ cidrBlock: ALL_IPV4, gatewayId: igw.id }], tags: publicRtName.tags },
      parent,
    );

    this.publicSubnets = [];
    this.privateSubnets = [];
    this.natGateways = [];
    for (let i = 0; i < azCount; i++) {
      const pub = tagged(`public-subnet-${i + 1}`, { Tier: "public" });
      const subnet = new aws.ec2.Subnet(
        pub.name,
        {
          vpcId: this.vpc.id,
          cidrBlock: subnetCidr(cidr, 4, i),
          availabilityZone: az(i),
          mapPublicIpOnLaunch: false,
          tags: pub.tags,
        },
        parent,
      );
      this.publicSubnets.push(subnet);
      new aws.ec2.RouteTableAssociation(
        resourceName(naming, `public-rta-${i + 1}`),
        { subnetId: subnet.id, routeTableId: publicRouteTable.id },
        parent,
      );
    }

    const natCount = args.natGateways === "perAz" ? azCount : 1;
    for (let i = 0; i < natCount; i++) {
      const eipName = tagged(`nat-eip-${i + 1}`);
      const eip = new aws.ec2.Eip(eipName.name, { domain: "vpc", tags: eipName.tags }, parent);
      const natName = tagged(`nat-${i + 1}`);
      this.natGateways.push(
        new aws.ec2.NatGateway(
          natName.name,
          {
            allocationId: eip.id,
            subnetId: this.publicSubnets[i]!.id,
            connectivityType: "public",
            tags: natName.tags,
          },
          { parent: this, dependsOn: [igw] },
        ),
      );
    }

    for (let i = 0; i < azCount; i++) {
      const priv = tagged(`private-subnet-${i + 1}`, { Tier: "private" });
      const subnet = new aws.ec2.Subnet(
        priv.name,
        {
          vpcId: this.vpc.id,
          cidrBlock: subnetCidr(cidr, 4, 8 + i),
          availabilityZone: az(i),
          tags: priv.tags,
        },
        parent,
      );
      this.privateSubnets.push(subnet);
      const rtName = tagged(`private-rt-${i + 1}`);
      const nat = this.natGateways[natCount === 1 ? 0 : i]!;
      const routeTable = new aws.ec2.RouteTable(
        rtName.name,
        { vpcId: this.vpc.id, routes: [{ cidrBlock: ALL_IPV4, natGatewayId: nat.id }], tags: rtName.tags },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        resourceName(naming, `private-rta-${i + 1}`),
        { subnetId: subnet.id, routeTableId: routeTable.id },
        parent,
      );
    }
    this.publicSubnetIds = pulumi.all(this.publicSubnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(this.privateSubnets.map((s) => s.id));

    // Security groups. Rules are inline so each group's whole policy is one reviewable resource.
    const sg = (resource: string, description: string, rules: Omit<aws.ec2.SecurityGroupArgs, "vpcId">) => {
      const t = tagged(resource);
      return new aws.ec2.SecurityGroup(
        t.name,
        { name: t.name, description, vpcId: this.vpc.id, tags: t.tags, ...rules },
        parent,
      );
    };

    if (args.albEnabled) {
      this.albSecurityGroup = sg("alb-sg", "FastCart ALB: HTTP/HTTPS from the internet", {
        ingress: [
          {
            description: "HTTP (only redirects to HTTPS, unless the plain-HTTP opt-out is set)",
            protocol: "tcp",
            fromPort: 80,
            toPort: 80,
            cidrBlocks: [ALL_IPV4],
          },
          ...(args.albHttps
            ? [{ description: "HTTPS", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [ALL_IPV4] }]
            : []),
        ],
        // Egress to the service is limited to the VPC range on the container port (the service SG
        // cannot be referenced here without a cycle; the service SG admits only this group).
        egress: [
          {
            description: "To service tasks",
            protocol: "tcp",
            fromPort: args.containerPort,
            toPort: args.containerPort,
            cidrBlocks: [cidr],
          },
        ],
      });
    }
    const serviceIngress: aws.types.input.ec2.SecurityGroupIngress = this.albSecurityGroup
      ? {
          description: "API from the ALB only",
          protocol: "tcp",
          fromPort: args.containerPort,
          toPort: args.containerPort,
          securityGroups: [this.albSecurityGroup.id],
        }
      : {
          description: "API (HTTP) from inside the VPC",
          protocol: "tcp",
          fromPort: args.containerPort,
          toPort: args.containerPort,
          cidrBlocks: [cidr],
        };
    // No inline egress: the Service component adds exactly what the tasks need (service-egress.ts) as
    // separate rules, since the database and cache groups below reference this one.
    this.serviceSecurityGroup = sg("service-sg", "FastCart ECS tasks", { ingress: [serviceIngress] });
    this.databaseSecurityGroup = sg("db-sg", "FastCart database: from the service only", {
      ingress: [
        {
          description: "Database from the service",
          protocol: "tcp",
          fromPort: args.databasePort,
          toPort: args.databasePort,
          securityGroups: [this.serviceSecurityGroup.id],
        },
      ],
      egress: [],
    });
    if (args.cacheEnabled) {
      const port = args.cachePort ?? 6379;
      this.cacheSecurityGroup = sg("redis-sg", "FastCart Redis: from the service only", {
        ingress: [
          {
            description: "Redis from the service",
            protocol: "tcp",
            fromPort: port,
            toPort: port,
            securityGroups: [this.serviceSecurityGroup.id],
          },
        ],
        egress: [],
      });
    }

    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      serviceSecurityGroupId: this.serviceSecurityGroup.id,
    });
  }
}
