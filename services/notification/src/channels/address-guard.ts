/**
 * Which network addresses a webhook may reach. A court registers any URL; without a check the
 * delivery worker becomes a way into the cluster (loopback, private ranges, the cloud metadata
 * service at 169.254.169.254) and, through its error messages, a port scanner. The check runs on
 * the address actually connected to — after DNS, at connect time — so a name that resolves to a
 * public address when registered and to a private one later (DNS rebinding) is refused too.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

export interface AddressPolicy {
  /** Loopback allowed (local systems and tests: WEBHOOK_ALLOW_LOOPBACK_HTTP). */
  allowLoopback: boolean;
  /** Ranges an operator allows although they are not public (WEBHOOK_ALLOW_CIDRS), e.g. a court's VPN range. */
  allowCidrs: readonly string[];
}

export const PUBLIC_ONLY: AddressPolicy = { allowLoopback: false, allowCidrs: [] };

/** Parses `a.b.c.d/n` and `x::/n` ranges; throws with the offending entry. */
export function parseCidrs(list: readonly string[]): [ipaddr.IPv4 | ipaddr.IPv6, number][] {
  return list.map((c) => {
    try {
      return ipaddr.parseCIDR(c.trim());
    } catch {
      throw new Error(`not an address range (CIDR): ${c}`);
    }
  });
}

/**
 * Why the address may not be connected to, or undefined when it may: only public unicast
 * addresses (ipaddr.js's range "unicast"), an IPv4 address mapped into IPv6 judged as IPv4,
 * loopback when allowed, and the operator's ranges.
 */
export function addressProblem(address: string, policy: AddressPolicy): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return "not an IP address";
  }
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const range = ip.range();
  if (range === "unicast") return undefined;
  if (range === "loopback" && policy.allowLoopback) return undefined;
  for (const [net, bits] of parseCidrs(policy.allowCidrs)) {
    if (net.kind() === ip.kind() && ip.match(net, bits)) return undefined;
  }
  return `address range ${range}`;
}

/** Thrown (as a connect error) when a webhook's host resolves to an address it may not reach. */
export class AddressNotAllowedError extends Error {
  override name = "AddressNotAllowedError";
  readonly code = "EADDRNOTALLOWED";
}

/** A DNS lookup for http.request that refuses addresses the policy does not allow. */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 0);
      const allowed = addresses.filter((a) => !addressProblem(a.address, policy));
      if (allowed.length === 0) {
        const why = addressProblem(addresses[0]?.address ?? "", policy) ?? "no address";
        return callback(new AddressNotAllowedError(`${hostname} resolves to an address webhooks may not reach (${why})`), "", 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
