import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An IP address or CIDR range (`10.0.0.5`, `10.0.0.0/24`, `fd00::/8`); undefined when it is neither. */
export function parseAddressRange(text: string): Range | undefined {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const address = ipaddr.parse(text);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

/**
 * Matches a socket's remote address against configured ranges. IPv4-mapped IPv6 peers (`::ffff:10.0.0.5`,
 * as a dual-stack listener reports them) are matched as IPv4.
 */
export class AddressRanges {
  private readonly ranges: Range[];

  constructor(texts: readonly string[]) {
    this.ranges = texts.map((text) => {
      const range = parseAddressRange(text);
      if (!range) throw new Error(`not an IP address or CIDR range: ${text}`);
      return range;
    });
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  includes(address: string | undefined): boolean {
    if (!address || !ipaddr.isValid(address)) return false;
    const peer = ipaddr.process(address);
    return this.ranges.some(([net, bits]) => net.kind() === peer.kind() && peer.match(net, bits));
  }
}
