/** T9: an IPv4 client reaching a dual-stack socket shows as `::ffff:a.b.c.d`; the lab wants `a.b.c.d`. */
export function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string): boolean {
  const a = unmapIPv4(address);
  return a === '::1' || a.startsWith('127.');
}
