/**
 * AWS-managed policies the stacks attach, as documents the simulation can evaluate. The plan only names
 * them by ARN; their text is AWS's. Each entry holds the statements of the published version that grant
 * what the stacks rely on (AWS Managed Policy Reference Guide; the page is cited per entry).
 */

/**
 * AmazonECSInfrastructureRolePolicyForLoadBalancers — the ELB statements ECS uses for blue/green
 * deployments (read the listener, its rules and target groups; move the production rule's weights;
 * register and deregister tasks).
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSInfrastructureRolePolicyForLoadBalancers.html
 */
const ECS_INFRASTRUCTURE_FOR_LOAD_BALANCERS = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ELBReadOperations",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
      ],
      Resource: "*",
    },
    {
      Sid: "TargetGroupOperations",
      Effect: "Allow",
      Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      Resource: "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
    },
    {
      Sid: "ALBModifyListeners",
      Effect: "Allow",
      Action: "elasticloadbalancing:ModifyListener",
      Resource: ["arn:aws:elasticloadbalancing:*:*:listener/app/*/*/*"],
    },
    {
      Sid: "ALBModifyRules",
      Effect: "Allow",
      Action: "elasticloadbalancing:ModifyRule",
      Resource: ["arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*/*"],
    },
  ],
};

export const AWS_MANAGED_POLICIES: Readonly<Record<string, unknown>> = {
  "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers":
    ECS_INFRASTRUCTURE_FOR_LOAD_BALANCERS,
};
