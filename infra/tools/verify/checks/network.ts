/** The VPC: addressing, DNS, subnets and NAT as planned; and its flow logs when the plan has them. */
import {
  DescribeFlowLogsCommand,
  DescribeNatGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import { inputAt } from "../plan-view.js";
import type { Check, CheckContext } from "../types.js";
import { found, nameTag, outputKey } from "./support.js";

const VPC = "aws:ec2/vpc:Vpc";
const SUBNET = "aws:ec2/subnet:Subnet";
const NAT = "aws:ec2/natGateway:NatGateway";
export const FLOW_LOG = "aws:ec2/flowLog:FlowLog";

/** The deployed VPC's id, from the stack outputs. */
export function liveVpcId({ plan, outputs }: CheckContext): string {
  const key = found(outputKey(plan, ["vpc_id", "vpcId"]), "a VPC id output in the plan");
  return outputs.text(key);
}

export const vpc: Check = {
  id: "vpc",
  title: "the VPC exists with the planned CIDR, DNS settings, subnets and NAT gateways",
  appliesTo: (plan) => plan.has(VPC),
  async run(context, findings) {
    const { plan, aws } = context;
    const planned = plan.one(VPC);
    const vpcId = liveVpcId(context);
    const { Vpcs } = await aws.send(aws.ec2, new DescribeVpcsCommand({ VpcIds: [vpcId] }));
    const live = found(Vpcs?.[0], `VPC ${vpcId}`);
    findings.equal("state", "available", live.State);
    findings.equal("cidrBlock", inputAt(planned, "cidrBlock"), live.CidrBlock);
    for (const attribute of ["enableDnsSupport", "enableDnsHostnames"] as const) {
      const answer = await aws.send(
        aws.ec2,
        new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: attribute }),
      );
      const value = attribute === "enableDnsSupport" ? answer.EnableDnsSupport : answer.EnableDnsHostnames;
      findings.equal(
        attribute,
        inputAt(planned, attribute) ?? attribute === "enableDnsSupport",
        value?.Value,
      );
    }

    const filter = [{ Name: "vpc-id", Values: [vpcId] }];
    const { Subnets = [] } = await aws.send(aws.ec2, new DescribeSubnetsCommand({ Filters: filter }));
    const byName = new Map(Subnets.map((s) => [s.Tags?.find((t) => t.Key === "Name")?.Value, s]));
    for (const subnet of plan.all(SUBNET)) {
      const name = nameTag(subnet) ?? subnet.name;
      const liveSubnet = byName.get(name);
      if (liveSubnet === undefined) {
        findings.equal(`subnet ${name}`, "present", "absent");
        continue;
      }
      findings.equal(`subnet ${name} cidrBlock`, inputAt(subnet, "cidrBlock"), liveSubnet.CidrBlock);
      findings.equal(
        `subnet ${name} availabilityZone`,
        inputAt(subnet, "availabilityZone"),
        liveSubnet.AvailabilityZone,
      );
      findings.equal(
        `subnet ${name} mapPublicIpOnLaunch`,
        inputAt(subnet, "mapPublicIpOnLaunch") ?? false,
        liveSubnet.MapPublicIpOnLaunch,
      );
    }
    findings.equal("subnets in the VPC", plan.all(SUBNET).length, Subnets.length);
    for (const key of ["private_subnet_ids", "public_subnet_ids"]) {
      if (!context.outputs.has(key)) continue;
      const ids = Subnets.map((s) => s.SubnetId);
      findings.includes(`output ${key} (subnets of the VPC)`, context.outputs.list(key), ids);
    }

    const { NatGateways = [] } = await aws.send(
      aws.ec2,
      new DescribeNatGatewaysCommand({ Filter: [...filter, { Name: "state", Values: ["available"] }] }),
    );
    findings.equal("available NAT gateways", plan.all(NAT).length, NatGateways.length);
    findings.note(`${Subnets.length} subnets, ${NatGateways.length} NAT gateway(s)`);
  },
};

export const vpcFlowLogs: Check = {
  id: "vpc-flow-logs",
  title: "the VPC's flow logs are active and deliver the planned traffic to the planned destination",
  appliesTo: (plan) => plan.has(FLOW_LOG),
  async run(context, findings) {
    const { plan, aws, translate } = context;
    const vpcId = liveVpcId(context);
    const { FlowLogs = [] } = await aws.send(
      aws.ec2,
      new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: [vpcId] }] }),
    );
    for (const planned of plan.all(FLOW_LOG)) {
      const trafficType = inputAt(planned, "trafficType");
      const destinationType = inputAt(planned, "logDestinationType") ?? "cloud-watch-logs";
      const live = FlowLogs.find(
        (log) => log.TrafficType === trafficType && log.LogDestinationType === destinationType,
      );
      if (live === undefined) {
        const present = FlowLogs.map((log) => `${log.TrafficType} → ${log.LogDestinationType}`);
        findings.equal(
          `flow log ${planned.name}`,
          `${trafficType} → ${destinationType}`,
          present.join(", ") || "none on the VPC",
        );
        continue;
      }
      findings.equal(`flow log ${planned.name} status`, "ACTIVE", live.FlowLogStatus);
      findings.equal(`flow log ${planned.name} delivery`, "SUCCESS", live.DeliverLogsStatus);
      // CloudWatch Logs destinations may be reported with a trailing ":*"; the planned ARN must lead.
      const destination = inputAt(planned, "logDestination");
      if (typeof destination === "string" && !destination.startsWith("[")) {
        const expected = translate.live(destination).replace(/:\*$/, "");
        findings.equal(
          `flow log ${planned.name} destination`,
          expected,
          live.LogDestination?.replace(/:\*$/, ""),
        );
      }
    }
    findings.note(`${FlowLogs.length} flow log(s) on ${vpcId}`);
  },
};
