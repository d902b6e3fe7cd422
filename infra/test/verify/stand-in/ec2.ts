/** EC2 (query protocol, EC2 XML): the VPC, its attributes, subnets, NAT gateways, flow logs, security groups. */
import type { DeployedResource, StandInAccount } from "./account.js";
import { tagList } from "./account.js";
import { AwsFault, ec2Filters, ec2Reply, listParam, type Params, type Reply } from "./protocols.js";

const id = (r: DeployedResource) => String(r.attributes["id"]);

function vpcOfSubnet(account: StandInAccount, subnetId: unknown): unknown {
  return account.all("aws:ec2/subnet:Subnet").find((s) => id(s) === subnetId)?.inputs["vpcId"];
}

export function ec2(account: StandInAccount, action: string, params: Params): Reply {
  const filters = ec2Filters(params);
  const vpcFilter = filters.get("vpc-id");
  switch (action) {
    case "DescribeVpcs": {
      const ids = listParam(params, "VpcId");
      const vpcs = account.all("aws:ec2/vpc:Vpc").filter((v) => ids.length === 0 || ids.includes(id(v)));
      if (ids.length > 0 && vpcs.length === 0)
        throw new AwsFault("InvalidVpcID.NotFound", `The vpc ID '${ids[0]}' does not exist`);
      return ec2Reply(action, {
        vpcSet: vpcs.map((v) => ({
          vpcId: id(v),
          state: "available",
          cidrBlock: v.inputs["cidrBlock"],
          tagSet: tagList(v.inputs),
        })),
      });
    }
    case "DescribeVpcAttribute": {
      const vpc = account.all("aws:ec2/vpc:Vpc").find((v) => id(v) === params.get("VpcId"));
      if (vpc === undefined) throw new AwsFault("InvalidVpcID.NotFound", "no such VPC");
      const attribute = params.get("Attribute") as string;
      const fallback = attribute === "enableDnsSupport";
      return ec2Reply(action, { vpcId: id(vpc), [attribute]: { value: vpc.inputs[attribute] ?? fallback } });
    }
    case "DescribeSubnets": {
      const ids = listParam(params, "SubnetId");
      const subnets = account
        .all("aws:ec2/subnet:Subnet")
        .filter(
          (s) =>
            (ids.length === 0 || ids.includes(id(s))) &&
            (!vpcFilter || vpcFilter.includes(String(s.inputs["vpcId"]))),
        );
      return ec2Reply(action, {
        subnetSet: subnets.map((s) => ({
          subnetId: id(s),
          vpcId: s.inputs["vpcId"],
          state: "available",
          cidrBlock: s.inputs["cidrBlock"],
          availabilityZone: s.inputs["availabilityZone"],
          mapPublicIpOnLaunch: s.inputs["mapPublicIpOnLaunch"] ?? false,
          tagSet: tagList(s.inputs),
        })),
      });
    }
    case "DescribeNatGateways": {
      const states = filters.get("state");
      const gateways = account
        .all("aws:ec2/natGateway:NatGateway")
        .filter((n) => !vpcFilter || vpcFilter.includes(String(vpcOfSubnet(account, n.inputs["subnetId"]))))
        .filter(() => !states || states.includes("available"));
      return ec2Reply(action, {
        natGatewaySet: gateways.map((n) => ({
          natGatewayId: id(n),
          state: "available",
          subnetId: n.inputs["subnetId"],
          vpcId: vpcOfSubnet(account, n.inputs["subnetId"]),
        })),
      });
    }
    case "DescribeFlowLogs": {
      const resources = filters.get("resource-id");
      const logs = account
        .all("aws:ec2/flowLog:FlowLog")
        .filter((f) => !resources || resources.includes(String(f.inputs["vpcId"])));
      return ec2Reply(action, {
        flowLogSet: logs.map((f) => ({
          flowLogId: `fl-${f.name}`,
          flowLogStatus: "ACTIVE",
          deliverLogsStatus: f.inputs["deliverLogsStatus"] ?? "SUCCESS",
          trafficType: f.inputs["trafficType"],
          logDestinationType: f.inputs["logDestinationType"] ?? "cloud-watch-logs",
          logDestination: f.inputs["logDestination"],
          resourceId: f.inputs["vpcId"],
        })),
      });
    }
    case "DescribeSecurityGroups": {
      const ids = listParam(params, "GroupId");
      const groups = account
        .all("aws:ec2/securityGroup:SecurityGroup")
        .filter((g) => ids.length === 0 || ids.includes(id(g)));
      return ec2Reply(action, {
        securityGroupInfo: groups.map((g) => ({
          groupId: id(g),
          groupName: g.inputs["name"],
          vpcId: g.inputs["vpcId"],
        })),
      });
    }
    default:
      throw new AwsFault("InvalidAction", `the stand-in does not answer EC2 ${action}`);
  }
}
