import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Network } from "../../src/components/network.js";
import { assertParentedTo, assertTagged, createdWithSuffix } from "../support/assertions.js";
import { installMocks, type MockHarness, resolve } from "../support/mocks.js";

const zones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"];
const small = { environmentSuffix: "nw2", stackName: "unit" };
const large = { environmentSuffix: "nw3", stackName: "unit" };

describe("Network", () => {
  let harness: MockHarness;
  let two: Network;
  let three: Network;
  before(async () => {
    harness = await installMocks("eu-central-1");
    // Seed 000 shape: 2 AZs, one NAT, no ALB, Redis.
    two = new Network("fastcart-network-nw2", {
      naming: small,
      cidr: "10.0.0.0/16",
      availabilityZones: zones,
      azCount: 2,
      containerPort: 3000,
      databasePort: 5432,
      cacheEnabled: true,
    });
    // Seed 002 shape: 3 AZs, NAT per AZ, ALB, no cache.
    three = new Network("fastcart-network-nw3", {
      naming: large,
      cidr: "10.20.0.0/16",
      availabilityZones: zones,
      azCount: 3,
      natGateways: "perAz",
      containerPort: 3000,
      databasePort: 3306,
      albEnabled: true,
      albHttps: true,
    });
    // The plain-HTTP opt-out: nothing listens on 443, so it stays closed.
    new Network("fastcart-network-nwp", {
      naming: { environmentSuffix: "nwp", stackName: "unit" },
      cidr: "10.30.0.0/16",
      availabilityZones: zones,
      azCount: 2,
      containerPort: 3000,
      databasePort: 5432,
      albEnabled: true,
      albHttps: false,
    });
    await resolve(three.privateSubnetIds);
    await harness.settle();
  });
  const ofSuffix = (type: string, suffix: string) =>
    harness.ofType(type).filter((r) => r.name.endsWith(`-${suffix}`));
  const sg = (name: string) => harness.one("aws:ec2/securityGroup:SecurityGroup", name).inputs;

  it("builds the VPC with DNS, an IGW and an emptied default security group", () => {
    const vpc = harness.one("aws:ec2/vpc:Vpc", "fastcart-vpc-nw2");
    assert.equal(vpc.inputs["cidrBlock"], "10.0.0.0/16");
    assert.equal(vpc.inputs["enableDnsHostnames"], true);
    assert.equal(vpc.inputs["enableDnsSupport"], true);
    assert.equal(
      harness.one("aws:ec2/internetGateway:InternetGateway", "fastcart-igw-nw2").inputs["vpcId"],
      harness.idOf("aws:ec2/vpc:Vpc", "fastcart-vpc-nw2"),
    );
    const defaultSg = harness.one(
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
      "fastcart-default-sg-nw2",
    );
    assert.deepEqual([defaultSg.inputs["ingress"], defaultSg.inputs["egress"]], [[], []]);
  });

  it("puts one public and one private subnet in each AZ, without public IPs on launch", () => {
    const subnets = ofSuffix("aws:ec2/subnet:Subnet", "nw2")
      .map((s) => [
        s.name,
        s.inputs["cidrBlock"],
        s.inputs["availabilityZone"],
        s.inputs["mapPublicIpOnLaunch"] ?? false,
      ])
      .sort();
    assert.deepEqual(subnets, [
      ["fastcart-private-subnet-1-nw2", "10.0.128.0/20", "eu-central-1a", false],
      ["fastcart-private-subnet-2-nw2", "10.0.144.0/20", "eu-central-1b", false],
      ["fastcart-public-subnet-1-nw2", "10.0.0.0/20", "eu-central-1a", false],
      ["fastcart-public-subnet-2-nw2", "10.0.16.0/20", "eu-central-1b", false],
    ]);
    assert.equal(ofSuffix("aws:ec2/subnet:Subnet", "nw3").length, 6);
    assert.equal(
      harness.one("aws:ec2/subnet:Subnet", "fastcart-private-subnet-3-nw3").inputs["availabilityZone"],
      "eu-central-1c",
    );
  });

  it("routes public subnets to the IGW and private subnets to NAT: one NAT (single) or one per AZ (perAz)", () => {
    const publicRt = harness.one("aws:ec2/routeTable:RouteTable", "fastcart-public-rt-nw2");
    assert.deepEqual(publicRt.inputs["routes"], [
      {
        cidrBlock: "0.0.0.0/0",
        gatewayId: harness.idOf("aws:ec2/internetGateway:InternetGateway", "fastcart-igw-nw2"),
      },
    ]);
    assert.equal(ofSuffix("aws:ec2/natGateway:NatGateway", "nw2").length, 1);
    for (const i of [1, 2]) {
      const rt = harness.one("aws:ec2/routeTable:RouteTable", `fastcart-private-rt-${i}-nw2`);
      assert.equal(
        rt.inputs["routes"][0].natGatewayId,
        harness.idOf("aws:ec2/natGateway:NatGateway", "fastcart-nat-1-nw2"),
      );
    }
    const nats = ofSuffix("aws:ec2/natGateway:NatGateway", "nw3");
    assert.deepEqual(
      nats.map((n) => n.inputs["subnetId"]).sort(),
      [1, 2, 3].map((i) => harness.idOf("aws:ec2/subnet:Subnet", `fastcart-public-subnet-${i}-nw3`)).sort(),
    );
    for (const i of [1, 2, 3]) {
      const rt = harness.one("aws:ec2/routeTable:RouteTable", `fastcart-private-rt-${i}-nw3`);
      assert.equal(
        rt.inputs["routes"][0].natGatewayId,
        harness.idOf("aws:ec2/natGateway:NatGateway", `fastcart-nat-${i}-nw3`),
        "each AZ uses its own NAT",
      );
    }
    assert.equal(ofSuffix("aws:ec2/eip:Eip", "nw3").length, 3);
    assert.equal(ofSuffix("aws:ec2/routeTableAssociation:RouteTableAssociation", "nw3").length, 6);
  });

  it("without an ALB the service takes HTTP from the VPC; the DB and Redis take traffic from the service only", () => {
    assert.deepEqual(sg("fastcart-service-sg-nw2")["ingress"], [
      {
        description: "API (HTTP) from inside the VPC",
        protocol: "tcp",
        fromPort: 3000,
        toPort: 3000,
        cidrBlocks: ["10.0.0.0/16"],
      },
    ]);
    const db = sg("fastcart-db-sg-nw2");
    assert.deepEqual(
      db["ingress"].map((r: Record<string, unknown>) => [
        r["fromPort"],
        r["securityGroups"],
        r["cidrBlocks"],
      ]),
      [[5432, [harness.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-service-sg-nw2")], undefined]],
    );
    assert.deepEqual(db["egress"], []);
    const redis = sg("fastcart-redis-sg-nw2");
    assert.deepEqual(
      redis["ingress"].map((r: Record<string, unknown>) => [r["fromPort"], r["securityGroups"]]),
      [[6379, [harness.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-service-sg-nw2")]]],
    );
    assert.equal(two.albSecurityGroup, undefined);
  });

  it("with an ALB: 80/443 from anywhere into the ALB, the service only from the ALB group, no Redis group", () => {
    const alb = sg("fastcart-alb-sg-nw3");
    assert.deepEqual(
      alb["ingress"].map((r: Record<string, unknown>) => [r["fromPort"], r["cidrBlocks"]]),
      [
        [80, ["0.0.0.0/0"]],
        [443, ["0.0.0.0/0"]],
      ],
    );
    assert.deepEqual(
      alb["egress"].map((r: Record<string, unknown>) => [r["fromPort"], r["cidrBlocks"]]),
      [[3000, ["10.20.0.0/16"]]],
    );
    assert.deepEqual(
      sg("fastcart-service-sg-nw3")["ingress"].map((r: Record<string, unknown>) => [
        r["fromPort"],
        r["securityGroups"],
        r["cidrBlocks"],
      ]),
      [[3000, [harness.idOf("aws:ec2/securityGroup:SecurityGroup", "fastcart-alb-sg-nw3")], undefined]],
    );
    assert.equal(sg("fastcart-db-sg-nw3")["ingress"][0].fromPort, 3306);
    assert.equal(three.cacheSecurityGroup, undefined);
  });

  it("tags every taggable resource, parents them to the component and exports subnet ids in AZ order", async () => {
    for (const suffix of ["nw2", "nw3"]) {
      const created = createdWithSuffix(harness, suffix);
      assertParentedTo(harness, created, "fastcart:components:Network");
      for (const r of created.filter(
        (r) => r.type !== "aws:ec2/routeTableAssociation:RouteTableAssociation",
      )) {
        assertTagged(r, suffix === "nw2" ? small : large);
      }
    }
    assert.deepEqual(await resolve(two.publicSubnetIds), [
      harness.idOf("aws:ec2/subnet:Subnet", "fastcart-public-subnet-1-nw2"),
      harness.idOf("aws:ec2/subnet:Subnet", "fastcart-public-subnet-2-nw2"),
    ]);
    assert.equal(await resolve(two.vpcId), harness.idOf("aws:ec2/vpc:Vpc", "fastcart-vpc-nw2"));
  });
  it("an ALB without an HTTPS listener (plain-HTTP opt-out) opens only 80", () => {
    assert.deepEqual(
      sg("fastcart-alb-sg-nwp")["ingress"].map((rule: { fromPort: number }) => rule.fromPort),
      [80],
    );
  });
});
