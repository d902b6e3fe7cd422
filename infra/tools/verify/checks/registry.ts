/** The ECR repository: scan on push, tag mutability, KMS encryption and the lifecycle policy as planned. */
import { DescribeRepositoriesCommand, GetLifecyclePolicyCommand } from "@aws-sdk/client-ecr";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check } from "../types.js";
import { found, known, outputKey } from "./support.js";

const REPOSITORY = "aws:ecr/repository:Repository";
const LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy";

export const ecrRepository: Check = {
  id: "ecr-repository",
  title: "the ECR repository scans on push, is KMS-encrypted and keeps the planned lifecycle policy",
  appliesTo: (plan) => plan.has(REPOSITORY),
  async run({ plan, aws, outputs, translate }, findings) {
    const planned = plan.one(REPOSITORY);
    const name = stringInput(planned, "name");
    const { repositories } = await aws.send(
      aws.ecr,
      new DescribeRepositoriesCommand({ repositoryNames: [name] }),
    );
    const live = found(repositories?.[0], `ECR repository ${name}`);
    findings.equal(
      "scanOnPush",
      inputAt(planned, "imageScanningConfiguration.scanOnPush") ?? false,
      live.imageScanningConfiguration?.scanOnPush,
    );
    findings.equal(
      "imageTagMutability",
      inputAt(planned, "imageTagMutability") ?? "MUTABLE",
      live.imageTagMutability,
    );
    const encryption = (
      inputAt(planned, "encryptionConfigurations") as
        | { encryptionType: string; kmsKey?: string }[]
        | undefined
    )?.[0];
    findings.equal(
      "encryptionType",
      encryption?.encryptionType ?? "AES256",
      live.encryptionConfiguration?.encryptionType,
    );
    if (known(encryption?.kmsKey))
      findings.equal("kmsKey", translate.live(encryption?.kmsKey), live.encryptionConfiguration?.kmsKey);
    const urlKey = outputKey(plan, ["ecr_repository_url", "ecrRepositoryUrl"]);
    if (urlKey !== undefined && outputs.has(urlKey))
      findings.equal(`repositoryUri (output ${urlKey})`, outputs.text(urlKey), live.repositoryUri);
    const lifecycle = plan.all(LIFECYCLE)[0];
    if (lifecycle !== undefined) {
      const policy = await aws.send(aws.ecr, new GetLifecyclePolicyCommand({ repositoryName: name }));
      const normalise = (text: string | undefined) =>
        text === undefined ? undefined : JSON.stringify(JSON.parse(text));
      findings.equal(
        "lifecycle policy",
        normalise(stringInput(lifecycle, "policy")),
        normalise(policy.lifecyclePolicyText),
      );
    }
  },
};
