/**
 * Minimal IPv4 CIDR arithmetic for carving subnets out of the VPC range. Pulumi has no `cidrsubnet`
 * built in, and the network layout must be computed before any resource exists (it is plan input).
 */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/p`; throws if malformed or if host bits are set (10.0.0.1/16 is ambiguous). */
export function parseCidr(text: string): Ipv4Cidr {
  const match = CIDR_PATTERN.exec(text);
  if (!match) throw new Error(`"${text}" is not an IPv4 CIDR (a.b.c.d/prefix)`);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255)) throw new Error(`"${text}" has an octet above 255`);
  if (prefix > 32) throw new Error(`"${text}" has a prefix above 32`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) throw new Error(`"${text}" has host bits set; the network address is required`);
  return { base, prefix };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.base / 2 ** shift) % 256);
  return `${octets.join(".")}/${cidr.prefix}`;
}

/** Like Terraform's `cidrsubnet(range, newBits, index)`. */
export function subnetCidr(range: string, newBits: number, index: number): string {
  const parent = parseCidr(range);
  const prefix = parent.prefix + newBits;
  if (prefix > 32) throw new Error(`cannot add ${newBits} bits to /${parent.prefix}`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** newBits) {
    throw new Error(`subnet index ${index} does not fit in ${newBits} new bits`);
  }
  return formatCidr({ base: parent.base + index * 2 ** (32 - prefix), prefix });
}
