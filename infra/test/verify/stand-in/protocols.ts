/**
 * Wire formats of the AWS APIs the verifier calls, as the SDK clients expect them: the query protocol
 * (form-encoded request, XML response; EC2's variant lists items as `<item>` under lower-camel names,
 * the others as `<member>` or a per-shape element name) and JSON 1.0/1.1 (`X-Amz-Target`, JSON body).
 */

export type Params = URLSearchParams;

/** An answer to one call: HTTP status, content type, body. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Thrown by a handler for an AWS error answer (not found, invalid parameter). */
export class AwsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Values of a query-protocol list parameter: `Prefix.1`, `Prefix.2`, … (EC2) or `Prefix.member.1` (others). */
export function listParam(params: Params, prefix: string): string[] {
  const values: string[] = [];
  for (let i = 1; ; i++) {
    const value = params.get(`${prefix}.${i}`) ?? params.get(`${prefix}.member.${i}`);
    if (value === null) return values;
    values.push(value);
  }
}

/** EC2 `Filter.N.Name` / `Filter.N.Value.M` pairs. */
export function ec2Filters(params: Params, prefix = "Filter"): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  for (let i = 1; params.has(`${prefix}.${i}.Name`); i++) {
    filters.set(params.get(`${prefix}.${i}.Name`) as string, listParam(params, `${prefix}.${i}.Value`));
  }
  return filters;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One XML element; arrays become one child per item, named by `itemName(key)`. */
export function xmlElement(name: string, value: unknown, itemName: (list: string) => string): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) {
    const item = itemName(name);
    return `<${name}>${value.map((v) => xmlElement(item, v, itemName)).join("")}</${name}>`;
  }
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === "object") {
    const children = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => xmlElement(k, v, itemName))
      .join("");
    return `<${name}>${children}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A query-protocol success: `<ActionResponse><ActionResult>…</ActionResult></ActionResponse>`. */
export function queryReply(
  action: string,
  namespace: string,
  result: Record<string, unknown>,
  items: Readonly<Record<string, string>> = {},
): Reply {
  const itemName = (list: string) => items[list] ?? "member";
  const body =
    `<${action}Response xmlns="${namespace}">${xmlElement(`${action}Result`, result, itemName)}` +
    `<ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, contentType: "text/xml", body };
}

/** EC2's variant: no Result wrapper, `<item>` list entries, a requestId. */
export function ec2Reply(action: string, result: Record<string, unknown>): Reply {
  const children = Object.entries(result)
    .map(([k, v]) => xmlElement(k, v, () => "item"))
    .join("");
  const body = `<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>stand-in</requestId>${children}</${action}Response>`;
  return { status: 200, contentType: "text/xml", body };
}

export function queryFault(fault: AwsFault, ec2: boolean): Reply {
  const error = `<Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${escapeXml(fault.message)}</Message></Error>`;
  const body = ec2
    ? `<Response><Errors>${error}</Errors><RequestID>stand-in</RequestID></Response>`
    : `<ErrorResponse>${error}<RequestId>stand-in</RequestId></ErrorResponse>`;
  return { status: fault.status, contentType: "text/xml", body };
}

export function jsonReply(result: unknown, version: "1.0" | "1.1"): Reply {
  return { status: 200, contentType: `application/x-amz-json-${version}`, body: JSON.stringify(result) };
}

export function jsonFault(fault: AwsFault, version: "1.0" | "1.1"): Reply {
  return {
    status: fault.status,
    contentType: `application/x-amz-json-${version}`,
    body: JSON.stringify({ __type: fault.code, message: fault.message }),
  };
}
